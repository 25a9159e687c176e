/**
 * Core's JWK cache (IdentityProvider.getJwk with jwks-rsa's UrlJwkProvider, docs/dial-core.md#jwks-cache):
 * keyed by `kid`; a `kid` not in the cache re-downloads the whole JWKS; a found key is kept for the positive
 * lifetime (a key rotated out stays trusted that long; an entry found that cannot be a key fails its tokens
 * that long), a failure to find it for the negative lifetime (the `kid` fails without a refetch meanwhile). One fetch in flight per `kid`. No timeout, as Core's. (Core evicts on a timer
 * every min(positive, negative) ms, so its expiry can run up to that much late; this cache expires exactly.)
 */
import { createPublicKey, type KeyObject } from 'node:crypto';

import type { Clock } from '../../common/clock.ts';
import { networkFailure, TokenRejection } from './token-rejection.ts';

/** A `kid` found in the JWKS: its key, or why the entry found cannot be one (still a find, for Core). */
type Found = { key: KeyObject } | { unusable: Error };

interface CacheEntry {
  found: Promise<Found>;
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
    let entry = this.#entries.get(kid);
    if (!entry || entry.expiresAt <= now) {
      this.#evictExpired(now); // as Core's eviction timer would have
      const fresh: CacheEntry = { found: this.#fetch(kid), expiresAt: Number.POSITIVE_INFINITY };
      this.#entries.set(kid, fresh);
      fresh.found.then(
        () => (fresh.expiresAt = this.#clock.now() + this.#positiveMs),
        () => (fresh.expiresAt = this.#clock.now() + this.#negativeMs),
      );
      entry = fresh;
    }
    // Core keeps the JWK it found and builds the key only to verify: an entry that cannot be a key is kept
    // as long as a good one, and fails every token with its kid meanwhile (docs/dial-core.md#jwks-cache).
    return entry.found.then((found) => ('key' in found ? found.key : Promise.reject(found.unusable)));
  }

  #evictExpired(now: number): void {
    for (const [kid, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(kid);
  }

  async #fetch(kid: string): Promise<Found> {
    const jwks = await fetchJwks(this.#url);
    const jwk = jwks.find((k) => k.kid === kid);
    if (!jwk) throw new TokenRejection(`No key found in ${this.#url} with kid ${kid}`, `kid ${kid} is not in the JWKS at ${this.#url} (${knownKids(jwks)})`);
    try {
      return { key: createPublicKey({ key: jwk as never, format: 'jwk' }) };
    } catch (error) {
      return { unusable: new TokenRejection(`Invalid JWK for kid ${kid}: ${(error as Error).message}`, `the JWKS at ${this.#url} has kid ${kid}, but not as a key Core can use (${(error as Error).message})`) };
    }
  }
}

/** The kids a JWKS offers, for the log line of a kid it lacks. */
function knownKids(jwks: Record<string, unknown>[]): string {
  const kids = jwks.map((k) => k.kid).filter((kid): kid is string => typeof kid === 'string');
  return kids.length ? `its kids: ${kids.join(', ')}` : 'it has no key with a kid';
}

async function fetchJwks(url: string): Promise<Record<string, unknown>[]> {
  // jwks-rsa's words, then the sandbox's: what went wrong with the JWKS document itself.
  const failed = (why: string, explanation: string) => new TokenRejection(`Cannot obtain jwks from url ${url}: ${why}`, explanation);
  // java.net.URL keeps an empty host ("https:///tenant/…", the tutorial's jwksUrl); WHATWG URL would not.
  if (/^[a-z][a-z0-9+.-]*:\/\/\//i.test(url)) throw failed('no host', `the jwksUrl ${url} names no host`);
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' } });
  } catch (error) {
    throw failed(String((error as Error).cause ?? (error as Error).message), `the JWKS at ${url} did not answer (${networkFailure(error)})`);
  }
  if (!response.ok) throw failed(`HTTP ${response.status}`, `the JWKS at ${url} answered HTTP ${response.status}`);
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw failed('not JSON', `the JWKS at ${url} answered something that is not JSON`);
  }
  const keys = (body as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw failed('no "keys" array', `the JWKS at ${url} has no "keys" array`);
  // jwks-rsa builds every entry, and one without kty fails the whole document.
  if (keys.some((k) => !k || typeof k !== 'object' || typeof (k as { kty?: unknown }).kty !== 'string')) {
    throw failed('an entry has no "kty"', `an entry of the JWKS at ${url} has no "kty", which fails the whole document for Core`);
  }
  return keys as Record<string, unknown>[];
}
