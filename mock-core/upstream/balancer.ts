/**
 * Core's upstream choice and back-off (TieredBalancer, RandomizedWeightedBalancer, UpstreamState and
 * UpstreamRoute, docs/dial-core.md#upstream-balancing): the lowest tier with an upstream out of back-off
 * first, a random pick by weight inside it; when every upstream is in back-off, one not yet fallen back to
 * in this request, 5xx ones before 429 ones, the soonest available first. Back-off: a 5xx for its
 * Retry-After, else min(2^errors, 300) s from now; a 429 (or anything else) for its Retry-After, else 30 s;
 * a 200 clears it. State is kept per deployment and upstream across requests: a request that runs out of
 * attempts is answered from it (503 when every upstream is marked 429, else 502 "No route").
 */
import type { Clock } from '../../common/clock.ts';
import type { Upstream } from '../config.ts';
import { DialError } from '../errors.ts';

/** Who set the back-off: the upstream's own Retry-After, or Core's default. */
type Source = 'upstream' | 'core';

interface UpstreamState {
  /** When the upstream may be used again (ms), or -1. */
  retryAfter: number;
  errors: number;
  status?: number;
  source?: Source;
}

const MAX_BACKOFF_SECONDS = 300;
const DEFAULT_RETRY_AFTER_SECONDS = 30;
const MAX_ERROR_COUNT = 30;

/** The order in which upstreams in back-off are fallen back to. */
const FALLBACK_ORDER: ((state: UpstreamState) => boolean)[] = [
  (s) => is5xx(s.status) && s.source === 'core',
  (s) => is5xx(s.status) && s.source === 'upstream',
  (s) => s.status === 429 && s.source === 'core',
  (s) => s.status === 429 && s.source === 'upstream',
];

export class Balancer {
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #states = new Map<string, UpstreamState>();

  constructor(clock: Clock, random: () => number = Math.random) {
    this.#clock = clock;
    this.#random = random;
  }

  /** One request's way through a deployment's upstreams: at most min(maxRetryAttempts, upstreams) attempts. */
  route(deployment: string, upstreams: readonly Upstream[], maxRetryAttempts: number): UpstreamRoute {
    return new UpstreamRoute(this, deployment, upstreams, Math.min(maxRetryAttempts, upstreams.length));
  }

  /** The next upstream, or undefined when none is left (`fallenBack` collects the ones taken from back-off). */
  pick(deployment: string, upstreams: readonly Upstream[], fallenBack: Set<Upstream>): Upstream | undefined {
    const now = this.#clock.now();
    // The lowest tier that has an upstream out of back-off (upstreams of weight 0 are never used).
    let lowestTier: Upstream[] | undefined;
    for (const upstream of upstreams) {
      if (upstream.weight <= 0 || !this.#available(deployment, upstream, now)) continue;
      if (!lowestTier || upstream.tier < lowestTier[0]!.tier) lowestTier = [upstream];
      else if (upstream.tier === lowestTier[0]!.tier) lowestTier.push(upstream);
    }
    if (lowestTier) return this.#weighted(lowestTier);
    for (const fallback of FALLBACK_ORDER) {
      let soonest: { upstream: Upstream; at: number } | undefined;
      for (const upstream of upstreams) {
        const state = this.#states.get(key(deployment, upstream));
        if (upstream.weight <= 0 || !state || !fallback(state) || fallenBack.has(upstream)) continue;
        if (!soonest || state.retryAfter < soonest.at) soonest = { upstream, at: state.retryAfter };
      }
      if (soonest) {
        fallenBack.add(soonest.upstream);
        return soonest.upstream;
      }
    }
    return undefined;
  }

  succeeded(deployment: string, upstream: Upstream): void {
    // With nothing in back-off (the usual case) there is no key to build.
    if (this.#states.size) this.#states.delete(key(deployment, upstream));
  }

  /** A failed attempt: its status, and the upstream's Retry-After in seconds (-1 when it sent none). */
  failed(deployment: string, upstream: Upstream, status: number, retryAfterSeconds: number): void {
    const id = key(deployment, upstream);
    const state = this.#states.get(id) ?? { retryAfter: -1, errors: 0 };
    this.#states.set(id, state);
    state.status = status;
    state.source = retryAfterSeconds === -1 ? 'core' : 'upstream';
    let seconds = retryAfterSeconds;
    if (is5xx(status) && state.source === 'core') {
      state.errors = Math.min(state.errors + 1, MAX_ERROR_COUNT);
      seconds = Math.min(2 ** state.errors, MAX_BACKOFF_SECONDS);
    } else if (state.source === 'core') {
      seconds = DEFAULT_RETRY_AFTER_SECONDS;
    }
    state.retryAfter = this.#clock.now() + seconds * 1000;
  }

  /** Core's answer when a request runs out of upstreams: decided from what is stored of all of them. */
  unavailable(deployment: string, upstreams: readonly Upstream[]): DialError {
    const states = upstreams.filter((u) => u.weight > 0).map((u) => this.#states.get(key(deployment, u)));
    if (!states.every((s) => s?.status === 429)) return new DialError(502, 'No route');
    const fromUpstreams = states.filter((s) => s!.source === 'upstream').map((s) => s!.retryAfter);
    if (fromUpstreams.length === 0) return new DialError(503, 'Service is not available');
    const seconds = Math.max(0, Math.floor((Math.min(...fromUpstreams) - this.#clock.now()) / 1000));
    return new DialError(503, 'Service is not available', { 'retry-after': String(seconds) });
  }

  #available(deployment: string, upstream: Upstream, now: number): boolean {
    if (this.#states.size === 0) return true;
    const state = this.#states.get(key(deployment, upstream));
    return !state || state.retryAfter < 0 || now > state.retryAfter;
  }

  #weighted(upstreams: Upstream[]): Upstream {
    if (upstreams.length === 1) return upstreams[0]!;
    const total = upstreams.reduce((sum, u) => sum + u.weight, 0);
    const point = Math.floor(this.#random() * total);
    let current = 0;
    for (const upstream of upstreams) {
      current += upstream.weight;
      if (current > point) return upstream;
    }
    return upstreams.at(-1)!;
  }
}

/** Core's UpstreamRoute: one request's attempts, each upstream asked of the balancer in turn. */
export class UpstreamRoute {
  readonly #balancer: Balancer;
  readonly #deployment: string;
  readonly #upstreams: readonly Upstream[];
  readonly #maxAttempts: number;
  readonly #fallenBack = new Set<Upstream>();
  #current: Upstream | undefined;
  attempts = 0;

  constructor(balancer: Balancer, deployment: string, upstreams: readonly Upstream[], maxAttempts: number) {
    this.#balancer = balancer;
    this.#deployment = deployment;
    this.#upstreams = upstreams;
    this.#maxAttempts = maxAttempts;
  }

  /** The upstream for the next attempt; Core's 503 or 502 when the attempts or the upstreams run out. */
  next(): Upstream {
    if (this.attempts + 1 > this.#maxAttempts) throw this.#balancer.unavailable(this.#deployment, this.#upstreams);
    this.attempts += 1;
    this.#current = this.#balancer.pick(this.#deployment, this.#upstreams, this.#fallenBack);
    if (!this.#current) throw this.#balancer.unavailable(this.#deployment, this.#upstreams);
    return this.#current;
  }

  failed(status: number, retryAfterSeconds = -1): void {
    this.#balancer.failed(this.#deployment, this.#current!, status, retryAfterSeconds);
  }

  succeeded(): void {
    this.#balancer.succeeded(this.#deployment, this.#current!);
  }
}

function is5xx(status: number | undefined): boolean {
  return status !== undefined && status >= 500 && status < 600;
}

function key(deployment: string, upstream: Upstream): string {
  return `${deployment}\u0000${upstream.endpoint}\u0000${upstream.key ?? ''}`;
}
