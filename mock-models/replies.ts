/** What each reply kind answers: one behaviour per kind of `replySchema`, which tsc holds to every kind. */
import type { Reply } from './definition.ts';

/** What a behaviour may draw on for one request. */
export interface ReplyContext {
  /** What an echo repeats: the last user message, or the prompt. */
  echoed: string;
  /** This request's place among the model's requests since the last reset (0 first); counts it. */
  nextTurn(): number;
}

/** A behaviour for every kind of `R` (the replies of models.yaml by default). */
export type ReplyBehaviours<R extends { kind: string } = Reply> = {
  [K in R['kind']]: (reply: Extract<R, { kind: K }>, context: ReplyContext) => string;
};

export const REPLIES: ReplyBehaviours = {
  echo: (_reply, { echoed }) => echoed,
  text: ({ text }) => text,
  sequence: ({ texts }, { nextTurn }) => texts[nextTurn() % texts.length]!,
};

/** The reply text for one request. */
export function replyText(reply: Reply, context: ReplyContext): string {
  // tsc cannot pair a union's member with its own entry of the table; REPLIES' type pairs them.
  return (REPLIES[reply.kind] as (reply: Reply, context: ReplyContext) => string)(reply, context);
}
