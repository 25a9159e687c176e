/**
 * Core's upstream choice (TieredBalancer + RandomizedWeightedBalancer,
 * docs/dial-core.md#upstream-balancing):
 * the lowest tier first, a random pick by weight inside it, upstreams in back-off skipped; when all are in
 * back-off, one not yet tried in this request is still picked, the soonest available first. Back-off: a 429
 * for its Retry-After (or 30 s); a 5xx for its Retry-After, or min(2^errors, 300) s counted from the first
 * error (Core counts from the newest); a 200 clears it. State is kept per deployment across requests.
 */
import type { Clock } from '../../common/clock.ts';
import type { Upstream } from '../config.ts';

interface UpstreamState {
  availableAt: number;
  errors: number;
  firstErrorAt: number;
}

export class Balancer {
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #states = new Map<string, UpstreamState>();

  constructor(clock: Clock, random: () => number = Math.random) {
    this.#clock = clock;
    this.#random = random;
  }

  /** The next upstream to try, not among `tried`; undefined when none is left. */
  pick(deployment: string, upstreams: readonly Upstream[], tried: ReadonlySet<Upstream>): Upstream | undefined {
    const now = this.#clock.now();
    let lowestTier: Upstream[] = [];
    let soonest: { upstream: Upstream; at: number } | undefined;
    for (const upstream of upstreams) {
      if (upstream.weight <= 0 || tried.has(upstream)) continue;
      const availableAt = this.#states.get(key(deployment, upstream))?.availableAt ?? 0;
      if (availableAt > now) {
        if (!soonest || availableAt < soonest.at) soonest = { upstream, at: availableAt };
      } else if (!lowestTier.length || upstream.tier < lowestTier[0]!.tier) {
        lowestTier = [upstream];
      } else if (upstream.tier === lowestTier[0]!.tier) {
        lowestTier.push(upstream);
      }
    }
    return lowestTier.length ? this.#weighted(lowestTier) : soonest?.upstream;
  }

  succeeded(deployment: string, upstream: Upstream): void {
    this.#states.delete(key(deployment, upstream));
  }

  /** A 429 (with the upstream's Retry-After, in seconds) or a 5xx / broken connection. */
  failed(deployment: string, upstream: Upstream, status: number, retryAfterSeconds?: number): void {
    const state = this.#state(deployment, upstream);
    const now = this.#clock.now();
    if (status === 429) {
      state.availableAt = now + (retryAfterSeconds ?? 30) * 1000;
      return;
    }
    if (state.errors === 0) state.firstErrorAt = now;
    state.errors += 1;
    state.availableAt = retryAfterSeconds === undefined ? state.firstErrorAt + Math.min(2 ** state.errors, 300) * 1000 : now + retryAfterSeconds * 1000;
  }

  #state(deployment: string, upstream: Upstream): UpstreamState {
    const id = key(deployment, upstream);
    let state = this.#states.get(id);
    if (!state) this.#states.set(id, (state = { availableAt: 0, errors: 0, firstErrorAt: 0 }));
    return state;
  }

  #weighted(upstreams: Upstream[]): Upstream {
    const total = upstreams.reduce((sum, u) => sum + u.weight, 0);
    let point = this.#random() * total;
    for (const upstream of upstreams) {
      point -= upstream.weight;
      if (point < 0) return upstream;
    }
    return upstreams.at(-1)!;
  }
}

function key(deployment: string, upstream: Upstream): string {
  return `${deployment}\u0000${upstream.endpoint}\u0000${upstream.key ?? ''}`;
}
