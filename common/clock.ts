/**
 * The time as the services see it. Tests freeze and advance it, so expiry, limit windows, cache lifetimes
 * and the scenarios' delays are tested without sleeping. Off by default: the system clock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Calls `callback` once `ms` have passed on this clock; the function returned cancels it. A clock without
   * it (the system clock, a clock of your own with `now` alone) waits in real time.
   */
  setTimer?(ms: number, callback: () => void): () => void;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Waits `ms` on `clock`: in its own time if it keeps timers (a ManualClock), else in real time. */
export function setTimer(clock: Clock, ms: number, callback: () => void): () => void {
  if (clock.setTimer) return clock.setTimer(ms, callback);
  // Unref'd: a pending wait alone does not keep a process alive that has nothing else to do.
  const timer = setTimeout(callback, ms).unref();
  return () => clearTimeout(timer);
}

interface Timer {
  at: number;
  callback: () => void;
}

/** A clock that moves only when told: `advance(ms)`, `set(ms)`; its timers fire when it passes them. */
export class ManualClock implements Clock {
  #now: number;
  readonly #timers = new Set<Timer>();
  readonly #waiters = new Set<{ count: number; resolve: () => void }>();

  constructor(start = Date.now()) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.set(this.#now + ms);
  }

  set(ms: number): void {
    this.#now = ms;
    const due = [...this.#timers].filter((timer) => timer.at <= ms).sort((a, b) => a.at - b.at);
    for (const timer of due) {
      this.#timers.delete(timer);
      timer.callback();
    }
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer = { at: this.#now + ms, callback };
    this.#timers.add(timer);
    for (const waiter of this.#waiters) {
      if (this.#timers.size < waiter.count) continue;
      this.#waiters.delete(waiter);
      waiter.resolve();
    }
    return () => this.#timers.delete(timer);
  }

  /** The timers not yet fired: e.g. requests a scenario holds back. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Resolves once `count` timers wait on this clock: the sign that the code under test is waiting on it. */
  whenTimers(count = 1): Promise<void> {
    if (this.#timers.size >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.add({ count, resolve }));
  }
}

/**
 * The sandbox's shared clock, controlled at run time (`/__control/clock`, `dial-sandbox clock`): it runs
 * with the system clock until frozen or moved ahead, and `reset()` returns to it. Its `base` stands for the
 * system clock (a test's ManualClock lets the "system" time pass without sleeping). Its timers run on the
 * base: a frozen sandbox clock holds no request forever, and moving it hurries none.
 */
export class SandboxClock implements Clock {
  readonly #base: Clock;
  #offsetMs = 0;
  #frozenAt: number | undefined;

  constructor(base: Clock = systemClock) {
    this.#base = base;
  }

  now(): number {
    return this.#frozenAt ?? this.#base.now() + this.#offsetMs;
  }

  setTimer(ms: number, callback: () => void): () => void {
    return setTimer(this.#base, ms, callback);
  }

  freeze(): void {
    this.#frozenAt = this.now();
  }

  /** Goes on from where it stands (ahead, if it was moved), no longer frozen. */
  resume(): void {
    if (this.#frozenAt === undefined) return;
    this.#offsetMs = this.#frozenAt - this.#base.now();
    this.#frozenAt = undefined;
  }

  advance(ms: number): void {
    if (this.#frozenAt !== undefined) this.#frozenAt += ms;
    else this.#offsetMs += ms;
  }

  reset(): void {
    this.#offsetMs = 0;
    this.#frozenAt = undefined;
  }

  describe(): { now: string; frozen: boolean; ahead_seconds: number } {
    return { now: new Date(this.now()).toISOString(), frozen: this.#frozenAt !== undefined, ahead_seconds: Math.round((this.now() - this.#base.now()) / 1000) };
  }
}

/** Whole seconds the clock stands ahead of the system clock (negative: behind). */
export const secondsAhead = (clock: Clock): number => Math.round((clock.now() - Date.now()) / 1000);
