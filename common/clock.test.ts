import { describe, expect, it } from 'vitest';

import { ManualClock, SandboxClock, setTimer } from './clock.ts';

describe('clock timers', () => {
  it('a ManualClock fires its timers in time order once it passes them, never before, and a cancelled one not at all', async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    const waiting = clock.whenTimers(3);
    setTimer(clock, 200, () => fired.push('200'));
    const cancel = setTimer(clock, 50, () => fired.push('cancelled'));
    setTimer(clock, 100, () => fired.push('100'));
    await waiting;
    cancel();
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(150);
    expect(fired).toEqual(['100', '200']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a SandboxClock times its timers on its base: freezing or moving it neither holds nor hurries them', () => {
    const base = new ManualClock(0);
    const clock = new SandboxClock(base);
    let fired = false;
    clock.freeze();
    setTimer(clock, 1_000, () => (fired = true));
    clock.advance(60_000);
    expect(fired).toBe(false);
    base.advance(1_000);
    expect(fired).toBe(true);
  });
});
