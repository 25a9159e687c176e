/**
 * The time as the services see it. Tests freeze and advance it, so expiry, limit windows and cache lifetimes
 * are tested without sleeping. Off by default: the system clock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told: `advance(ms)`, `set(ms)`. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = Date.now()) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  set(ms: number): void {
    this.#now = ms;
  }
}

/**
 * The sandbox's shared clock, controlled at run time (`/__control/clock`, `dial-sandbox clock`): it runs
 * with the system clock until frozen or moved ahead, and `reset()` returns to it.
 */
export class SandboxClock implements Clock {
  #offsetMs = 0;
  #frozenAt: number | undefined;

  now(): number {
    return this.#frozenAt ?? Date.now() + this.#offsetMs;
  }

  freeze(): void {
    this.#frozenAt = this.now();
  }

  /** Goes on from where it stands (ahead, if it was moved), no longer frozen. */
  resume(): void {
    if (this.#frozenAt === undefined) return;
    this.#offsetMs = this.#frozenAt - Date.now();
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
    return { now: new Date(this.now()).toISOString(), frozen: this.#frozenAt !== undefined, ahead_seconds: secondsAhead(this) };
  }
}

/** Whole seconds the clock stands ahead of the system clock (negative: behind). */
export const secondsAhead = (clock: Clock): number => Math.round((clock.now() - Date.now()) / 1000);
