import { describe, expect, it } from 'vitest';

import { SlidingWindow } from './sliding-window.ts';
import { Random } from '../../test/support/fuzz.ts';
import { NOT_PLAIN, parsedUsage, plainUsage, usageOf } from './usage.ts';

const totalTokensOf = (body: string) => usageOf(body)?.total ?? 0;

describe('sliding windows (Core RateWindow)', () => {
  it('sums the buckets still inside the window and forgets older ones', () => {
    const minute = new SlidingWindow(1000, 60);
    minute.add(0, 5);
    minute.add(30_500, 7);
    expect(minute.total(59_999)).toBe(12);
    expect(minute.total(60_000)).toBe(7); // the first second's bucket has left
    expect(minute.total(89_999)).toBe(7); // the bucket of second 30 covers 30.0–30.999 s, and leaves at 90 s
    expect(minute.total(90_000)).toBe(0);
  });

  it('says how long until enough old buckets leave for the total to fall below a limit', () => {
    const minute = new SlidingWindow(1000, 60);
    minute.add(0, 5);
    minute.add(10_000, 5);
    expect(minute.secondsUntilBelow(20_000, 10)).toBe(40); // the bucket of second 0 leaves at 60 s
    expect(minute.secondsUntilBelow(20_000, 5)).toBe(50); // both must leave: the second at 70 s
    expect(minute.secondsUntilBelow(20_000, 11)).toBe(0);
  });
});

describe('token usage as Core reads it (TokenUsageParser)', () => {
  it('takes total_tokens from the last usage object, streamed or not', () => {
    expect(totalTokensOf('{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}')).toBe(7);
    const stream = 'data: {"usage": null}\n\ndata: {"choices":[],"usage":{"prompt_tokens":1,"total_tokens":2}}\n\ndata: [DONE]\n\n';
    expect(totalTokensOf(stream)).toBe(2);
    expect(totalTokensOf('data: {"usage":{"total_tokens":1}}\n\ndata: {"usage":{"total_tokens":9}}\n\n')).toBe(9);
  });

  it('counts a usage with nested objects, as Core since PR #680; unknown fields ignored, a wrong kind of value no usage', () => {
    const usage = (body: string) => usageOf(body);
    expect(usage('{"usage":{"prompt_tokens":3,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens":4,"completion_tokens_details":{"reasoning_tokens":1},"total_tokens":7}}')).toEqual({ prompt: 3, completion: 4, total: 7 });
    expect(usage('data: {"usage":{"promptTokens":1,"completionTokens":"2","totalTokens":3.9}}\n\ndata: [DONE]')).toEqual({ prompt: 1, completion: 2, total: 3 });
    expect(usage('{"usage":{"total_tokens":true}}')).toBeUndefined();
    // The last "usage" followed by an object wins; one followed by anything else is passed over.
    expect(totalTokensOf('{"usage":{"total_tokens":2}} {"x":{"usage":null}}')).toBe(2);
    expect(totalTokensOf('{"usage":{"total_tokens":2,"note":"a } in a string"}}')).toBe(2);
    expect(totalTokensOf('{"choices":[]}')).toBe(0);
    expect(totalTokensOf('not json "usage": {"total_tokens": 4}')).toBe(4);
    // A body that starts with "usage" and has no object after it: the search ends (it once looped for ever).
    expect(usageOf('"usage" is not reported by this model')).toBeUndefined();
  });
});

describe('usage read without JSON.parse (plainUsage) beside JSON.parse (parsedUsage)', () => {
  const random = new Random(680);
  const NAMES = ['prompt_tokens', 'promptTokens', 'completion_tokens', 'completionTokens', 'total_tokens', 'totalTokens', 'cost', 'aggCost', 'prompt_tokens_details', 'x', '', 'total_tokens ', 'tötal'];
  // Rarely, what JSON.parse reads otherwise or refuses: an escape, a raw control character, a space JSON has not.
  const ODD_NAMES = ['total\\u005ftokens', 'total\\"', 'a\u0001b', 'a\nb'];
  const name = () => (random.chance(0.03) ? random.pick(ODD_NAMES) : random.pick(NAMES));
  const space = () => (random.chance(0.01) ? '\u00a0' : random.pick(['', '', ' ', '\n  ', '\t', '\r\n']));
  const COUNTS = ['0', '-0', '7', '-12', '4096', '12345678901234567890'];
  const OTHERS = ['01', '1.5', '2e3', '-', '"3"', '" 4 "', '"x"', 'null', 'true', '[]', '[1,{}]'];
  // Half the objects hold counts and objects only (what plainUsage reads), half anything.
  let plainOnly = false;
  const scalar = () => random.pick(plainOnly || random.chance(0.5) ? COUNTS : OTHERS);
  const value = (depth: number): string => (depth < 3 && random.chance(0.25) ? object(depth + 1) : scalar());
  function object(depth: number): string {
    const members = Array.from({ length: random.int(7) }, () => `${space()}"${name()}"${space()}:${space()}${value(depth)}${space()}`);
    let text = `{${members.join(',')}${members.length ? '' : space()}}`;
    // Now and then a syntax error: a trailing comma, a missing colon or brace, a stray character.
    if (random.chance(0.1)) text = random.pick([text.replace(/}$/, ',}'), text.replace(':', ' '), text.slice(0, -1), `${text.slice(0, -1)}x}`, text.replace('"', "'")]);
    return text;
  }

  it('reads 5,000 generated usage objects as JSON.parse does, and most of the plain ones itself', () => {
    let plain = 0;
    let plainWithout = 0;
    for (let n = 0; n < 5000; n++) {
      plainOnly = n % 2 === 0;
      const body = `{"id":"x","usage":${object(0)}}`;
      const start = body.indexOf('{', 6);
      const read = plainUsage(body, start);
      if (read !== NOT_PLAIN) {
        plain++;
        if (read === undefined) plainWithout++;
      }
      expect(usageOf(body), body).toEqual(parsedUsage(body, start));
    }
    // The generator reaches both readings, and the plain one's "no usage" (an object where a count belongs).
    expect(plain).toBeGreaterThan(500);
    expect(plainWithout).toBeGreaterThan(20);
    expect(5000 - plain).toBeGreaterThan(500);
  });

  it('reads what mock-models and OpenAI send without JSON.parse', () => {
    const body = '{"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":3,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}';
    expect(plainUsage(body, body.indexOf('{', 5))).toEqual({ prompt: 4, completion: 3, total: 7 });
  });
});
