/**
 * Which identity provider handles a token (AccessTokenValidator.extractClaims,
 * docs/dial-core.md#provider-choice): with one provider, that one, whatever the issuer; with several, the
 * first whose issuerPattern fully matches `iss`. A token that is not a JWT goes to the userinfo providers,
 * first 200 wins.
 */
import { BoundedMap } from '../../common/bounded-map.ts';
import type { Clock } from '../../common/clock.ts';
import type { IdentityProviderSettings } from '../settings.ts';
import { IdentityProvider, type UserClaims } from './identity-provider.ts';
import { decodeJwt, JwtDecodeError, type DecodedJwt } from './jwt.ts';

export class TokenValidator {
  readonly providers: IdentityProvider[];
  /** Tokens decoded before (decoding is pure: base64 and JSON, the same every time a caller sends it again). */
  readonly #decoded = new BoundedMap<string, DecodedJwt>(1_000);

  constructor(settings: readonly IdentityProviderSettings[], clock: Clock) {
    this.providers = settings.map((s) => new IdentityProvider(s, clock));
  }

  /** The caller's claims; rejects (→ 401 "Bad Authorization header") with the reason. */
  async validate(token: string): Promise<UserClaims> {
    if (this.providers.length === 1 && this.providers[0]!.usesUserInfo) return this.providers[0]!.claimsFromUserInfo(token);
    let jwt = this.#decoded.get(token);
    try {
      if (!jwt) this.#decoded.set(token, (jwt = decodeJwt(token)));
    } catch (error) {
      if (error instanceof JwtDecodeError) return this.#viaUserInfo(token, error);
      throw error;
    }
    if (this.providers.length === 1) return this.providers[0]!.claimsFromJwt(jwt);
    const iss = jwt.payload.iss;
    if (typeof iss !== 'string') throw new Error('the token has no "iss" to choose an identity provider by');
    const provider = this.providers.find((p) => p.settings.issuerPattern?.test(iss));
    if (!provider) throw new Error(`Unknown Identity Provider for iss ${iss}`);
    return provider.claimsFromJwt(jwt);
  }

  async #viaUserInfo(token: string, decodeError: Error): Promise<UserClaims> {
    const candidates = this.providers.filter((p) => p.usesUserInfo);
    if (candidates.length === 0) throw decodeError;
    return Promise.any(candidates.map((p) => p.claimsFromUserInfo(token)));
  }
}
