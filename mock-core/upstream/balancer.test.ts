import { describe, expect, it } from 'vitest';

import { ManualClock } from '../../common/clock.ts';
import type { Upstream } from '../config.ts';
import { Balancer } from './balancer.ts';

const upstream = (endpoint: string, extra: Partial<Upstream> = {}): Upstream => ({ endpoint, weight: 1, tier: 0, ...extra });

describe("Core's upstream balancer", () => {
  it('prefers the lowest tier, and skips upstreams of weight 0', () => {
    const balancer = new Balancer(new ManualClock(0));
    const list = [upstream('backup', { tier: 1 }), upstream('off', { weight: 0 }), upstream('main')];
    expect(balancer.pick('d', list, new Set())!.endpoint).toBe('main');
    expect(balancer.pick('d', list, new Set([list[2]!]))!.endpoint).toBe('backup');
    expect(balancer.pick('d', list, new Set([list[0]!, list[2]!]))).toBeUndefined();
  });

  it('picks by weight inside a tier', () => {
    const list = [upstream('light', { weight: 1 }), upstream('heavy', { weight: 3 })];
    expect(new Balancer(new ManualClock(0), () => 0.2).pick('d', list, new Set())!.endpoint).toBe('light');
    expect(new Balancer(new ManualClock(0), () => 0.3).pick('d', list, new Set())!.endpoint).toBe('heavy');
  });

  it("backs an upstream off for its Retry-After after a 429 (30 s without one), and for 2^errors s after 5xx; a 200 clears it", () => {
    const clock = new ManualClock(0);
    const balancer = new Balancer(clock);
    const [a, b] = [upstream('a'), upstream('b', { tier: 1 })];
    balancer.failed('d', a, 429, 5);
    expect(balancer.pick('d', [a, b], new Set())!.endpoint).toBe('b');
    clock.advance(5_000);
    expect(balancer.pick('d', [a, b], new Set())!.endpoint).toBe('a');
    balancer.failed('d', a, 429);
    clock.advance(29_999);
    expect(balancer.pick('d', [a, b], new Set())!.endpoint).toBe('b');
    balancer.succeeded('d', a);
    expect(balancer.pick('d', [a, b], new Set())!.endpoint).toBe('a');
    balancer.failed('d', a, 503);
    balancer.failed('d', a, 503);
    clock.advance(3_999);
    expect(balancer.pick('d', [a, b], new Set())!.endpoint).toBe('b');
    clock.advance(1);
    expect(balancer.pick('d', [a, b], new Set())!.endpoint).toBe('a');
  });

  it('still picks an upstream in back-off when all are, the soonest available first', () => {
    const clock = new ManualClock(0);
    const balancer = new Balancer(clock);
    const [a, b] = [upstream('a'), upstream('b')];
    balancer.failed('d', a, 429, 60);
    balancer.failed('d', b, 429, 10);
    expect(balancer.pick('d', [a, b], new Set())!.endpoint).toBe('b');
  });
});
