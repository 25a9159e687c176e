import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { replySchema } from './definition.ts';
import { REPLIES, replyText, type ReplyBehaviours } from './replies.ts';

describe('reply kinds', () => {
  it('answers each kind of models.yaml as written there', () => {
    let turns = 0;
    const context = { echoed: 'what arrived', nextTurn: () => turns++ };
    const answer = (yaml: unknown) => replyText(replySchema.parse(yaml), context);
    expect(answer('echo')).toBe('what arrived');
    expect(answer({ text: 'fixed' })).toBe('fixed');
    expect([0, 1, 2].map(() => answer({ sequence: ['a', 'b'] }))).toEqual(['a', 'b', 'a']);
    expect(turns).toBe(3); // only a sequence counts turns
  });

  it('cannot have a kind in the schema without its behaviour: tsc refuses it', () => {
    // A kind added to the schema the way replySchema's own are, and no behaviour for it.
    const withShout = z.union([replySchema, z.strictObject({ shout: z.string() }).transform(({ shout }) => ({ kind: 'shout' as const, text: shout.toUpperCase() }))]);
    // @ts-expect-error Property 'shout' is missing: the kind has no behaviour.
    const behaviours: ReplyBehaviours<z.infer<typeof withShout>> = REPLIES;
    expect(Object.keys(behaviours).sort()).toEqual(['echo', 'sequence', 'text']);
  });
});
