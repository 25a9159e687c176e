/**
 * Auth0's surface, as one object: its fixed paths, its discovery document, and how its error answers differ
 * from oidc-provider's (docs/auth0.md#endpoints, docs/auth0.md#discovery, docs/auth0.md#token-endpoint,
 * docs/auth0.md#oidc-provider-gaps).
 */
import type { KoaContextWithOIDC } from 'oidc-provider';

import { Auth0Error, serviceNotFound } from './errors.ts';

/** oidc-provider route name → Auth0's path. */
export const AUTH0_ROUTES = {
  authorization: '/authorize',
  token: '/oauth/token',
  userinfo: '/userinfo',
  jwks: '/.well-known/jwks.json',
  revocation: '/oauth/revoke',
  end_session: '/oidc/logout',
} as const;

/**
 * The routes oidc-provider answers itself, each with the steps below its path (a login resumed at
 * /authorize/:uid, /oidc/logout/confirm). The sandbox answers /userinfo and the JWKS with handlers of its own
 * (handlers/), which serve them as Auth0 does.
 */
export const PROVIDER_ROUTES = ['authorization', 'token', 'revocation', 'end_session'] as const satisfies readonly (keyof typeof AUTH0_ROUTES)[];

/**
 * Auth0 API identifiers may be any string (`dial-api`); RFC 8707 resource indicators, which oidc-provider
 * takes, must be absolute URIs. Identifiers that are not are carried through oidc-provider as a URN.
 */
const AUDIENCE_URN = 'urn:dial-sandbox:audience:';

export function audienceToResource(audience: string): string {
  return URL.canParse(audience) && !audience.includes('#') ? audience : `${AUDIENCE_URN}${encodeURIComponent(audience)}`;
}

export function resourceToAudience(resource: string): string {
  return resource.startsWith(AUDIENCE_URN) ? decodeURIComponent(resource.slice(AUDIENCE_URN.length)) : resource;
}

/**
 * oidc-provider drops `offline_access` from an authorization request without `prompt=consent`; Auth0 keeps
 * it, and DIAL Chat relies on that for refresh tokens. The shim copies the scope the client asked for into
 * this parameter, and the grant made at login takes it from there.
 */
export const REQUESTED_SCOPE_PARAM = 'sandbox_requested_scope';

/**
 * The discovery document of a real tenant (docs/auth0.md#discovery), for this issuer, cut to what the sandbox
 * serves, so that no client picks what would then fail: Auth0 also lists the implicit and hybrid response
 * types, the `plain` PKCE method, and endpoints the sandbox has not (device authorization, MFA challenge,
 * dynamic registration, global token revocation, DPoP).
 */
export function discoveryDocument(issuer: string, withEndSession: boolean, browserOrigin?: string): Record<string, unknown> {
  const at = (path: string) => `${issuer}${path.slice(1)}`;
  const inBrowser = (path: string) => (browserOrigin ? `${browserOrigin}${path}` : at(path));
  return {
    issuer,
    authorization_endpoint: inBrowser(AUTH0_ROUTES.authorization),
    token_endpoint: at(AUTH0_ROUTES.token),
    userinfo_endpoint: at(AUTH0_ROUTES.userinfo),
    jwks_uri: at(AUTH0_ROUTES.jwks),
    revocation_endpoint: at(AUTH0_ROUTES.revocation),
    scopes_supported: [
      'openid', 'profile', 'offline_access', 'name', 'given_name', 'family_name', 'nickname', 'email',
      'email_verified', 'picture', 'created_at', 'identities', 'phone', 'address',
    ],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['public'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'PS256'],
    claims_supported: [
      'aud', 'auth_time', 'created_at', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat',
      'identities', 'iss', 'name', 'nickname', 'phone_number', 'picture', 'sub',
    ],
    request_uri_parameter_supported: false,
    request_parameter_supported: false,
    id_token_signing_alg_values_supported: ['HS256', 'RS256', 'PS256'],
    ...(withEndSession ? { end_session_endpoint: inBrowser(AUTH0_ROUTES.end_session) } : {}),
  };
}

/**
 * Auth0's answer for an error oidc-provider raised at the token endpoint, where the two differ; undefined
 * keeps oidc-provider's. Captured Auth0 bodies back each line (see the note on issue 2).
 */
export function auth0TokenError(error: { message?: string; error_detail?: string; error_description?: string; cause?: unknown }, ctx: KoaContextWithOIDC): Auth0Error | undefined {
  const detail = error.error_detail ?? (error.cause as Error | undefined)?.message ?? '';
  const grantType = String(ctx.oidc?.params?.grant_type ?? '');
  switch (error.message) {
    case 'invalid_client':
      return new Auth0Error(401, 'access_denied', 'Unauthorized');
    case 'invalid_grant':
      if (/PKCE|code_verifier/i.test(detail)) return new Auth0Error(403, 'invalid_grant', 'Failed to verify code verifier');
      if (grantType === 'refresh_token') return new Auth0Error(403, 'invalid_grant', 'Unknown or invalid refresh token.');
      // Unknown, expired, already used, or bound to another redirect_uri: Auth0 says the same for all four.
      return new Auth0Error(403, 'invalid_grant', 'Invalid authorization code');
    case 'unauthorized_client':
      return grantTypeNotAllowed(grantType);
    case 'invalid_request':
      // oidc-provider's words for a grant type the client lacks; Auth0 calls it unauthorized_client.
      return error.error_description === 'requested grant type is not allowed for this client' ? grantTypeNotAllowed(grantType) : undefined;
    case 'invalid_target':
      return serviceNotFound(resourceToAudience(String(ctx.oidc?.params?.resource ?? '')));
    default:
      return undefined;
  }
}

const grantTypeNotAllowed = (grantType: string) => new Auth0Error(403, 'unauthorized_client', `Grant type '${grantType}' not allowed for the client.`);
