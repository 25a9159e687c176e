/**
 * One entry of `identityProviders`: verifies what it is given and extracts the caller's claims
 * (docs/dial-core.md#jwt-verification, docs/dial-core.md#role-path, docs/dial-core.md#user-claims,
 * docs/dial-core.md#userinfo-mode).
 */
import { createHash, type KeyObject } from 'node:crypto';

import type { Clock } from '../../common/clock.ts';
import type { IdentityProviderSettings } from '../settings.ts';
import { JwksCache } from './jwks-cache.ts';
import { verifyJwt, type DecodedJwt } from './jwt.ts';
import { networkFailure, TokenRejection } from './token-rejection.ts';

/** What Core keeps of an authenticated user (ExtractedClaims). */
export interface UserClaims {
  sub: string | undefined;
  roles: string[];
  userHash: string | undefined;
  /** For /v1/user/info: each claim as a list of strings (a string as [it], anything else as []). */
  userClaims: Record<string, string[]>;
  provider: string;
  project: string | undefined;
  displayName: string | undefined;
}

/** Core caches a userinfo answer per token for this long. */
const USER_INFO_CACHE_MS = 60_000;

export class IdentityProvider {
  readonly settings: IdentityProviderSettings;
  readonly #jwks: JwksCache | undefined;
  readonly #clock: Clock;
  readonly #userInfo = new Map<string, { claims: Promise<UserClaims>; expiresAt: number }>();
  /**
   * Decoded token → the key its signature was verified with, and the claims read from it (TokenValidator
   * keeps the decoded tokens, a bounded number, so entries go when they do). An RSA verify costs
   * ~22 µs a call, and whether a token's signature holds under one key never changes, nor what this provider
   * reads from its payload; so a token seen before under the same key (the same object from the JWK cache,
   * whose lifetimes still apply on every call) skips the RSA step and the reading, never the checks of
   * `exp`, `nbf`, `iat` and `aud`. Core verifies every time; nothing it answers differs.
   */
  readonly #verified = new WeakMap<DecodedJwt, { key: KeyObject; claims: UserClaims }>();

  constructor(settings: IdentityProviderSettings, clock: Clock) {
    this.settings = settings;
    this.#clock = clock;
    this.#jwks = settings.jwksUrl && !settings.disableJwtVerification
      ? new JwksCache(settings.jwksUrl, settings.positiveCacheExpirationMs, settings.negativeCacheExpirationMs, clock)
      : undefined;
  }

  get name(): string {
    return this.settings.name;
  }

  get usesUserInfo(): boolean {
    return this.settings.userInfoEndpoint !== undefined;
  }

  async claimsFromJwt(jwt: DecodedJwt): Promise<UserClaims> {
    if (this.#jwks) {
      const kid = jwt.header.kid;
      // Core's cache is a ConcurrentHashMap: a null kid is a NullPointerException, so a 401.
      if (typeof kid !== 'string') throw new TokenRejection('the token has no "kid"', `the token's header has no kid: Core finds the key at ${this.settings.jwksUrl} by kid`);
      const key = await this.#jwks.get(kid);
      const known = this.#verified.get(jwt);
      verifyJwt(jwt, key, this.#clock.now(), this.settings.audience, known?.key === key);
      if (known?.key === key) return known.claims;
      const claims = this.claimsOf(jwt.payload);
      this.#verified.set(jwt, { key, claims });
      return claims;
    }
    return this.claimsOf(jwt.payload);
  }

  /** Opaque-token mode: the userinfo endpoint's answer is the claims; cached per token for 60 s. */
  claimsFromUserInfo(token: string): Promise<UserClaims> {
    const now = this.#clock.now();
    const cached = this.#userInfo.get(token);
    if (cached && cached.expiresAt > now) return cached.claims;
    for (const [cachedToken, entry] of this.#userInfo) if (entry.expiresAt <= now) this.#userInfo.delete(cachedToken);
    const claims = this.#fetchUserInfo(token);
    this.#userInfo.set(token, { claims, expiresAt: now + USER_INFO_CACHE_MS });
    claims.catch(() => this.#userInfo.delete(token)); // failures are not cached
    return claims;
  }

  async #fetchUserInfo(token: string): Promise<UserClaims> {
    const url = this.settings.userInfoEndpoint!;
    let response: Response;
    try {
      response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    } catch (error) {
      throw new TokenRejection(`UserInfo endpoint '${url}' is failed: ${(error as Error).message}`, `the userinfo endpoint ${url} did not answer (${networkFailure(error)})`);
    }
    if (response.status !== 200) throw new TokenRejection(`UserInfo endpoint '${url}' is failed with http code ${response.status}`, `the userinfo endpoint ${url} answered HTTP ${response.status}, not 200`);
    const body = (await response.json()) as unknown;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error(`UserInfo endpoint '${url}' did not answer a JSON object`);
    return this.claimsOf(body as Record<string, unknown>);
  }

  /** What Core reads of a token's payload or a userinfo answer: roles at rolePath, sub, project… (no checks). */
  claimsOf(claims: Record<string, unknown>): UserClaims {
    const { loggingKey, loggingSalt, obfuscateUserEmail, projectPath, userDisplayName } = this.settings;
    const logged = loggingKey === undefined ? undefined : claims[loggingKey];
    return {
      sub: typeof claims.sub === 'string' ? claims.sub : undefined,
      roles: this.settings.rolePath.flatMap((path) => rolesAt(claims, path, this.settings.rolesDelimiter)),
      userHash: logged === undefined || logged === null ? undefined : obfuscateUserEmail ? createHash('sha256').update(`${loggingSalt ?? ''}${String(logged)}`).digest('hex') : String(logged),
      userClaims: Object.fromEntries(Object.entries(claims).map(([name, value]) => [name, asStrings(value)])),
      provider: this.name,
      project: projectPath === undefined ? undefined : stringAt(claims, projectPath),
      displayName: userDisplayName === undefined ? undefined : stringAt(claims, userDisplayName),
    };
  }
}

/**
 * Roles at a dotted `rolePath` (docs/dial-core.md#role-path): every segment but the last must be an object,
 * so a namespaced claim such as `https://example.com/roles` cannot be reached. An array is the roles; a
 * string is one role, or is split by `rolesDelimiter` (blanks dropped); anything else, or nothing, is no
 * role.
 */
export function rolesAt(claims: Record<string, unknown>, path: string, delimiter?: RegExp): string[] {
  const value = valueAt(claims, path);
  if (Array.isArray(value)) return value as string[];
  // Java's split never returns the delimiter's groups; JavaScript's does, so those are filtered out.
  if (typeof value === 'string') return delimiter ? value.split(delimiter).filter((r): r is string => typeof r === 'string' && r.trim() !== '' && !delimiter.test(r)) : [value];
  return [];
}

function valueAt(claims: Record<string, unknown>, path: string): unknown {
  let node: unknown = claims;
  for (const segment of path.split('.')) {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function stringAt(claims: Record<string, unknown>, path: string): string | undefined {
  const value = valueAt(claims, path);
  return typeof value === 'string' ? value : undefined;
}

function asStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  return [];
}
