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
import { explainRejection, TokenRejection } from './token-rejection.ts';

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
    return this.providerFor(jwt.payload).claimsFromJwt(jwt);
  }

  /** The provider that verifies a JWT with this payload, chosen without fetching anything; rejects as validate() does. */
  providerFor(payload: Record<string, unknown>): IdentityProvider {
    if (this.providers.length === 1) return this.providers[0]!;
    const iss = payload.iss;
    if (typeof iss !== 'string') throw new TokenRejection('the token has no "iss" to choose an identity provider by', `the token has no iss, and Core, with ${this.providers.length} identity providers, chooses one by it`);
    const provider = this.providers.find((p) => p.settings.issuerPattern?.test(iss));
    if (!provider) throw new TokenRejection(`Unknown Identity Provider for iss ${iss}`, `no identity provider's issuerPattern matches iss ${iss}`);
    return provider;
  }

  async #viaUserInfo(token: string, decodeError: Error): Promise<UserClaims> {
    const candidates = this.providers.filter((p) => p.usesUserInfo);
    if (candidates.length === 0) throw new TokenRejection(decodeError.message, `not a JWT (${explainRejection(decodeError)}), and no identity provider has a userInfoEndpoint to ask about it`);
    return Promise.any(candidates.map((p) => p.claimsFromUserInfo(token)));
  }
}
