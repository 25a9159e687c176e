/** Auth0's token shapes, applied to what oidc-provider mints (docs/auth0.md#access-token). */
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

import type { Clock } from '../common/clock.ts';
import { OIDC_SCOPES } from './accounts.ts';
import type { Outcomes } from './actions/outcomes.ts';
import type { PostLoginOutcome } from './actions/post-login.ts';

type Jwt = { header?: object; payload: Record<string, unknown> };

/** oidc-provider's JWT customizer: Auth0's access-token profile instead of RFC 9068's. */
export function shapeAccessToken(ctx: KoaContextWithOIDC, token: { kind: string }, jwt: Jwt, { issuer, outcomes, clock }: { issuer: string; outcomes: Outcomes; clock: Clock }): void {
  const { payload } = jwt;
  // oidc-provider stamps the system time; the sandbox clock may stand elsewhere (frozen, moved ahead). iat is
  // the clock's current second exactly: Core refuses a token issued even a second in its future.
  if (typeof payload.iat === 'number' && typeof payload.exp === 'number') {
    const iat = Math.floor(clock.now() / 1000);
    payload.exp = iat + (payload.exp - payload.iat);
    payload.iat = iat;
  }
  const clientId = String(payload.client_id);
  jwt.header = { typ: 'JWT' };
  delete payload.client_id;
  delete payload.jti;
  payload.azp = clientId;
  if (token.kind === 'ClientCredentials') {
    payload.sub = `${clientId}@clients`;
    payload.gty = 'client-credentials';
    return;
  }
  const grantType = String(ctx.oidc.params?.grant_type ?? '');
  if (grantType === 'password' || grantType.endsWith('/password-realm')) payload.gty = 'password';
  if (grantType === 'refresh_token') payload.gty = 'refresh_token';

  const scopes = auth0Scopes(requestedOidcScopes(ctx), String(payload.scope ?? '').split(' '), outcomes.forRequest(ctx));
  payload.scope = scopes.join(' ') || undefined;
  payload.aud = auth0Audience(payload.aud, scopes, issuer);
}

/** Auth0's scope claim: the requested OIDC scopes beside the API's, then what the Actions added or removed. */
export function auth0Scopes(requested: readonly string[], apiScopes: readonly string[], outcome?: Pick<PostLoginOutcome, 'scopesAdded' | 'scopesRemoved'>): string[] {
  const scopes = new Set([...requested.filter((s) => OIDC_SCOPES.has(s)), ...apiScopes]);
  for (const s of outcome?.scopesAdded ?? []) scopes.add(s);
  for (const s of outcome?.scopesRemoved ?? []) scopes.delete(s);
  scopes.delete('');
  return [...scopes];
}

/** With openid, Auth0 makes a user's token good at /userinfo too: aud becomes [api, <issuer>userinfo]. */
export function auth0Audience(audience: unknown, scopes: readonly string[], issuer: string): unknown {
  return scopes.includes('openid') ? [audience, `${issuer}userinfo`] : audience;
}

/**
 * The OIDC scopes a token is issued for. A refresh: its refresh token's own (fixed when it was issued, as
 * Auth0 keeps them; a later, broader login of the same user and client does not widen them), or the
 * narrower `scope` it asks for, and offline_access, which oidc-provider keeps out of a refresh token's scope
 * and the request shim out of `scope`. Otherwise what the login granted.
 */
export function requestedOidcScopes(ctx: KoaContextWithOIDC): string[] {
  const { params, entities } = ctx.oidc;
  if (params?.grant_type === 'refresh_token' && entities.RefreshToken) {
    const scopes = params.scope ? String(params.scope).split(' ') : [...entities.RefreshToken.scopes];
    return [...scopes, 'offline_access'];
  }
  return (grantedOidcScope(ctx) ?? String(params?.scope ?? '')).split(' ');
}

/** The OIDC scopes the login granted, offline_access included (see REQUESTED_SCOPE_PARAM in auth0.ts). */
export function grantedOidcScope(ctx: KoaContextWithOIDC): string | undefined {
  return ctx.oidc.entities.Grant?.getOIDCScope();
}

/** oidc-provider has no hook for extra ID-token claims; Auth0's Actions set them, so add them before signing. */
export function addActionIdTokenClaims(provider: Provider, outcomes: Outcomes): void {
  type IdToken = { issue: (...args: unknown[]) => Promise<string>; set: (name: string, value: unknown) => void; ctx?: object };
  const prototype = provider.IdToken.prototype as unknown as IdToken;
  const issue = prototype.issue;
  prototype.issue = function (this: IdToken, ...args: unknown[]) {
    for (const [name, value] of Object.entries(outcomes.forRequest(this.ctx)?.idTokenClaims ?? {})) this.set(name, value);
    return issue.apply(this, args);
  };
}
