import { describe, expect, it } from 'vitest';

import { ManualClock } from '../../common/clock.ts';
import type { Principal } from '../auth/authenticate.ts';
import { bindConfig } from '../config.ts';
import { DialError } from '../errors.ts';
import { RateLimiter } from './rate-limiter.ts';

const config = bindConfig({
  models: { m: { type: 'chat', endpoint: 'http://m' } },
  roles: { default: { limits: { m: { week: '100', requestDay: '3' } } } },
});
const deployment = config.models.get('m')!;
const caller: Principal = { kind: 'key', key: 'k', project: 'p', roles: [] };

function refusal(limiter: RateLimiter): DialError {
  try {
    limiter.check(caller, deployment, config);
  } catch (error) {
    return error as DialError;
  }
  throw new Error('expected a refusal');
}

// docs/dial-core.md#rate-windows: week/month windows (7 × 1 day, 30 × 1 day);
// docs/dial-core.md#limit-answers: request limits.
describe('RateLimiter windows beyond the minute', () => {
  it('counts tokens over a week, names the weekly limit, and lets through once the oldest day has left', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5));
    const limiter = new RateLimiter(clock);
    limiter.check(caller, deployment, config);
    limiter.record(caller, deployment, { prompt: 40, completion: 60, total: 100 }, undefined);
    clock.advance(3 * 86_400_000);
    const error = refusal(limiter);
    expect(error.status).toBe(429);
    expect(JSON.parse(error.body).error.display_message).toBe("You've exceeded your weekly token limit");
    expect(Number(error.headers['retry-after'])).toBe(4 * 86_400);
    clock.advance(4 * 86_400_000);
    expect(() => limiter.check(caller, deployment, config)).not.toThrow();
  });

  it('answers the fourth request of a day with 429 and a Retry-After until the first hour bucket leaves', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 10, 30));
    const limiter = new RateLimiter(clock);
    for (let i = 0; i < 3; i++) limiter.check(caller, deployment, config);
    const error = refusal(limiter);
    expect(JSON.parse(error.body).error.message).toBe('Hit request rate limit. Hour limit: 3 / 9223372036854775807 requests. Day limit: 3 / 3 requests.');
    expect(JSON.parse(error.body).error.display_message).toBe("You've exceeded your daily request limit");
    // The requests sit in the 10:00 bucket; Core counts whole buckets from the start of the current one
    // (RateBucket.retryAfter), so the wait is a full 24 h, not the 23.5 h until that bucket leaves.
    expect(Number(error.headers['retry-after'])).toBe(24 * 3600);
  });
});

describe('RateLimiter.stats', () => {
  it('reads a caller who never called as empty windows, then counts their calls', () => {
    const limiter = new RateLimiter(new ManualClock(Date.UTC(2026, 0, 5)));
    const before = limiter.stats(caller, deployment, config);
    expect(before.weekTokenStats).toEqual({ total: 100, used: 0 });
    expect(before.dayRequestStats).toEqual({ total: 3, used: 0 });
    limiter.check(caller, deployment, config);
    limiter.check(caller, deployment, config);
    limiter.check(caller, deployment, config);
    expect(limiter.stats(caller, deployment, config).dayRequestStats.used).toBe(3);
  });

  it('says what check() would refuse, without counting the call', () => {
    const limiter = new RateLimiter(new ManualClock(Date.UTC(2026, 0, 5)));
    for (let i = 0; i < 3; i++) {
      expect(limiter.refusal(caller, deployment, config)).toBeUndefined();
      limiter.check(caller, deployment, config);
    }
    expect(limiter.refusal(caller, deployment, config)).toMatchObject({ status: 429 });
    expect(limiter.stats(caller, deployment, config).dayRequestStats.used).toBe(3);
    expect(refusal(limiter)).toMatchObject({ status: 429 });
  });
});
