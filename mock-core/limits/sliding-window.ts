/**
 * A sliding window split into fixed sub-buckets, as Core's RateWindow/RateBucket
 * (docs/dial-core.md#rate-windows): the total is the sum of the buckets still inside the window.
 */
export class SlidingWindow {
  readonly #bucketMs: number;
  readonly #buckets: number;
  /** bucket index (time / bucketMs) → amount */
  readonly #amounts = new Map<number, number>();
  /** The sum of #amounts, kept as they change (total() is asked on every call to a model). */
  #sum = 0;
  /** The bucket index of the last eviction: the buckets only change when time reaches another one. */
  #evictedAt = Number.NaN;

  constructor(bucketMs: number, buckets: number) {
    this.#bucketMs = bucketMs;
    this.#buckets = buckets;
  }

  add(now: number, amount: number): void {
    this.#evict(now);
    const index = Math.floor(now / this.#bucketMs);
    this.#amounts.set(index, (this.#amounts.get(index) ?? 0) + amount);
    this.#sum += amount;
  }

  total(now: number): number {
    this.#evict(now);
    return this.#sum;
  }

  /**
   * Core's Retry-After (RateBucket.retryAfter): whole buckets, the oldest first, until the total falls below
   * `limit`, counted as if now were the start of the current bucket (so up to a bucket more than the exact
   * wait, in seconds; docs/dial-core.md#limit-answers).
   */
  secondsUntilBelow(now: number, limit: number): number {
    this.#evict(now);
    const current = Math.floor(now / this.#bucketMs);
    let total = this.total(now);
    let waitMs = 0;
    for (let index = current - this.#buckets + 1; index <= current && total >= limit; index++) {
      total -= this.#amounts.get(index) ?? 0;
      waitMs += this.#bucketMs;
    }
    return Math.floor(waitMs / 1000);
  }

  #evict(now: number): void {
    const current = Math.floor(now / this.#bucketMs);
    if (current === this.#evictedAt) return;
    this.#evictedAt = current;
    const oldest = current - this.#buckets + 1;
    for (const [index, amount] of this.#amounts) {
      if (index >= oldest) continue;
      this.#amounts.delete(index);
      this.#sum -= amount;
    }
  }
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Core's windows: minute 60 × 1 s, hour 60 × 1 min, day 24 × 1 h, week 7 × 1 day, month 30 × 1 day. */
export const WINDOWS = {
  minute: () => new SlidingWindow(SECOND, 60),
  hour: () => new SlidingWindow(MINUTE, 60),
  day: () => new SlidingWindow(HOUR, 24),
  week: () => new SlidingWindow(DAY, 7),
  month: () => new SlidingWindow(DAY, 30),
};
