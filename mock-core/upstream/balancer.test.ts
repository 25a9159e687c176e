import { describe, expect, it } from 'vitest';

import { ManualClock } from '../../common/clock.ts';
import type { Upstream } from '../config.ts';
import { Balancer } from './balancer.ts';

const upstream = (endpoint: string, extra: Partial<Upstream> = {}): Upstream => ({ endpoint, weight: 1, tier: 0, ...extra });

describe("Core's upstream balancer (TieredBalancer, UpstreamState, UpstreamRoute)", () => {
  it('prefers the lowest tier with an upstream out of back-off, and never uses weight 0', () => {
    const balancer = new Balancer(new ManualClock(0));
    const list = [upstream('backup', { tier: 1 }), upstream('off', { weight: 0 }), upstream('main')];
    expect(balancer.pick('d', list, new Set())!.endpoint).toBe('main');
    balancer.failed('d', list[2]!, 503, -1);
    expect(balancer.pick('d', list, new Set())!.endpoint).toBe('backup');
    expect(balancer.pick('d', [list[1]!], new Set())).toBeUndefined();
  });

  it('picks by weight inside a tier', () => {
    const list = [upstream('light', { weight: 1 }), upstream('heavy', { weight: 3 })];
    expect(new Balancer(new ManualClock(0), () => 0.2).pick('d', list, new Set())!.endpoint).toBe('light');
    expect(new Balancer(new ManualClock(0), () => 0.3).pick('d', list, new Set())!.endpoint).toBe('heavy');
  });

  it('backs off for Retry-After after a 429 (30 s without), for 2^errors s from the newest 5xx; a 200 clears it', () => {
    const clock = new ManualClock(0);
    const balancer = new Balancer(clock);
    const [a, b] = [upstream('a'), upstream('b', { tier: 1 })];
    balancer.failed('d', a, 429, 5);
    expect(balancer.pick('d', [a, b], new Set())!.endpoint).toBe('b');
    clock.advance(5_001);
    expect(balancer.pick('d', [a, b], new Set())!.endpoint).toBe('a');
    balancer.failed('d', a, 429, -1);
    clock.advance(30_000);
    expect(balancer.pick('d', [a, b], new Set())!.endpoint).toBe('b');
    balancer.succeeded('d', a);
    expect(balancer.pick('d', [a, b], new Set())!.endpoint).toBe('a');
    // Two errors: 4 s counted from the second one, not from the first.
    balancer.failed('d', a, 503, -1);
    clock.advance(1_000);
    balancer.failed('d', a, 500, -1);
    clock.advance(4_000);
    expect(balancer.pick('d', [a, b], new Set())!.endpoint).toBe('b');
    clock.advance(1);
    expect(balancer.pick('d', [a, b], new Set())!.endpoint).toBe('a');
  });

  it('when all are in back-off, falls back to each once: 5xx before 429, the soonest available first', () => {
    const balancer = new Balancer(new ManualClock(0));
    const [a, b, c] = [upstream('a'), upstream('b'), upstream('c')];
    balancer.failed('d', a, 429, 10);
    balancer.failed('d', b, 429, 60);
    balancer.failed('d', c, 503, 120);
    const fallenBack = new Set<Upstream>();
    expect([balancer.pick('d', [a, b, c], fallenBack), balancer.pick('d', [a, b, c], fallenBack), balancer.pick('d', [a, b, c], fallenBack)].map((u) => u!.endpoint)).toEqual(['c', 'a', 'b']);
    expect(balancer.pick('d', [a, b, c], fallenBack)).toBeUndefined();
  });

  it('answers a request out of attempts from the stored state: 503 when every upstream is marked 429, else 502', () => {
    const clock = new ManualClock(0);
    const balancer = new Balancer(clock);
    const [a, b] = [upstream('a'), upstream('b')];
    const route = balancer.route('d', [a, b], 5);
    const first = route.next();
    route.failed(429, 20);
    const second = route.next();
    expect(second).not.toBe(first);
    route.failed(429, 7);
    expect(() => route.next()).toThrow(expect.objectContaining({ status: 503, body: 'Service is not available', headers: { 'retry-after': '7' } }));

    // Another request: one upstream 429, the other a 5xx: "No route".
    balancer.succeeded('d', b);
    const next = balancer.route('d', [a, b], 5);
    expect(next.next()).toBe(b);
    next.failed(502, -1);
    // Both in back-off now: the second attempt falls back to the 5xx one first.
    expect(next.next()).toBe(b);
    next.failed(502, -1);
    expect(() => next.next()).toThrow(expect.objectContaining({ status: 502, body: 'No route' }));
  });

  it('tries at most min(maxRetryAttempts, upstreams) times', () => {
    const balancer = new Balancer(new ManualClock(0));
    const route = balancer.route('d', [upstream('a'), upstream('b'), upstream('c')], 2);
    route.next();
    route.failed(502, -1);
    route.next();
    route.failed(502, -1);
    expect(() => route.next()).toThrow(expect.objectContaining({ status: 502 }));
    expect(route.attempts).toBe(2);
  });
});
