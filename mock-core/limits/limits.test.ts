import { describe, expect, it } from 'vitest';

import { SlidingWindow } from './sliding-window.ts';
import { usageOf } from './usage.ts';

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
