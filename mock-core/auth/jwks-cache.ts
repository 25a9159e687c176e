/**
 * Core's JWK cache (IdentityProvider.getJwk with jwks-rsa's UrlJwkProvider, docs/dial-core.md#jwks-cache):
 * keyed by `kid`; a `kid` not in the cache re-downloads the whole JWKS; a found key is kept for the positive
 * lifetime (a key rotated out stays trusted that long), a failure for the negative lifetime (the `kid` fails
 * without a refetch meanwhile). One fetch in flight per `kid`. No timeout, as Core's. (Core evicts on a timer
 * every min(positive, negative) ms, so its expiry can run up to that much late; this cache expires exactly.)
 */
import { createPublicKey, type KeyObject } from 'node:crypto';

import type { Clock } from '../../common/clock.ts';

interface CacheEntry {
  key: Promise<KeyObject>;
  expiresAt: number;
}

export class JwksCache {
  readonly #url: string;
  readonly #positiveMs: number;
  readonly #negativeMs: number;
  readonly #clock: Clock;
  readonly #entries = new Map<string, CacheEntry>();

  constructor(url: string, positiveMs: number, negativeMs: number, clock: Clock) {
    this.#url = url;
    this.#positiveMs = positiveMs;
    this.#negativeMs = negativeMs;
    this.#clock = clock;
  }

  /** The public key for `kid`, or a rejection saying why not. */
  get(kid: string): Promise<KeyObject> {
    const now = this.#clock.now();
    const cached = this.#entries.get(kid);
    if (cached && cached.expiresAt > now) return cached.key;
    this.#evictExpired(now); // as Core's eviction timer would have
    const entry: CacheEntry = { key: this.#fetch(kid), expiresAt: Number.POSITIVE_INFINITY };
    this.#entries.set(kid, entry);
    entry.key.then(
      () => (entry.expiresAt = this.#clock.now() + this.#positiveMs),
      () => (entry.expiresAt = this.#clock.now() + this.#negativeMs),
    );
    return entry.key;
  }

  #evictExpired(now: number): void {
    for (const [kid, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(kid);
  }

  async #fetch(kid: string): Promise<KeyObject> {
    const jwks = await fetchJwks(this.#url);
    const jwk = jwks.find((k) => k.kid === kid);
    if (!jwk) throw new Error(`No key found in ${this.#url} with kid ${kid}`);
    try {
      return createPublicKey({ key: jwk as never, format: 'jwk' });
    } catch (error) {
      throw new Error(`Invalid JWK for kid ${kid}: ${(error as Error).message}`);
    }
  }
}

async function fetchJwks(url: string): Promise<Record<string, unknown>[]> {
  // java.net.URL keeps an empty host ("https:///tenant/…", the tutorial's jwksUrl); WHATWG URL would not.
  if (/^[a-z][a-z0-9+.-]*:\/\/\//i.test(url)) throw new Error(`Cannot obtain jwks from url ${url}: no host`);
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' } });
  } catch (error) {
    throw new Error(`Cannot obtain jwks from url ${url}: ${(error as Error).cause ?? (error as Error).message}`);
  }
  if (!response.ok) throw new Error(`Cannot obtain jwks from url ${url}: HTTP ${response.status}`);
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new Error(`Cannot obtain jwks from url ${url}: not JSON`);
  }
  const keys = (body as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new Error(`Cannot obtain jwks from url ${url}: no "keys" array`);
  // jwks-rsa builds every entry, and one without kty fails the whole document.
  if (keys.some((k) => !k || typeof k !== 'object' || typeof (k as { kty?: unknown }).kty !== 'string')) {
    throw new Error(`Cannot obtain jwks from url ${url}: an entry has no "kty"`);
  }
  return keys as Record<string, unknown>[];
}
