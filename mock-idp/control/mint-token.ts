/**
 * POST /__control/tokens: an access token signed with the tenant's current key without a browser or a
 * grant, for a chosen user or client, audience, extra claims and lifetime. For a user the Post-Login Actions
 * run (unless `actions: false`), so the token carries what a login would give, then the extra claims.
 */
import { SignJWT } from 'jose';
import { z } from 'zod';

import { nestsDeeperThan } from '../../common/json-depth.ts';
import { OIDC_SCOPES } from '../accounts.ts';
import { Auth0Error } from '../errors.ts';
import { auth0Audience, auth0Scopes } from '../token-shapes.ts';
import type { ProviderDeps } from '../provider-deps.ts';
import { defaultAudience } from '../tenant.ts';

export interface MintRequest {
  /** A user's email or user_id; or… */
  user?: string;
  /** …a client_id, for an M2M token (`<client_id>@clients`). With a user: the azp (default: the first interactive application). */
  client_id?: string;
  /** Default: the tenant's default audience, else its first API. */
  audience?: string;
  scope?: string;
  /** Added last: they override anything, restricted names included (that is the point of minting). */
  claims?: Record<string, unknown>;
  /** Seconds from now to `exp`; negative mints an expired token. Default: the API's token lifetime. */
  lifetime_seconds?: number;
  /** Whether the Post-Login Actions run for a user (default true). */
  actions?: boolean;
}

/** Deeper than any token needs; past a few thousand levels signing (JSON.stringify) runs out of stack. */
const MAX_CLAIM_DEPTH = 1000;

const mintRequestSchema = z.object({
  user: z.string().optional(),
  client_id: z.string().optional(),
  audience: z.string().optional(),
  scope: z.string().optional(),
  claims: z.record(z.string(), z.unknown()).optional(),
  lifetime_seconds: z.number().optional(),
  actions: z.boolean().optional(),
});

export async function mintToken(deps: ProviderDeps, body: unknown, now = deps.clock.now()): Promise<{ access_token: string; claims: Record<string, unknown> }> {
  const request = checkedRequest(body);
  const { tenant, keys, accounts, trigger, issuer } = deps;
  const audience = request.audience ?? defaultAudience(tenant);
  const api = tenant.resource_servers.find((r) => r.identifier === audience);
  if (!audience) throw new Auth0Error(400, 'invalid_request', 'No audience given, and the tenant has no API to default to.');
  const requested = (request.scope ?? '').split(' ').filter(Boolean);
  const apiScopes = requested.filter((s) => !OIDC_SCOPES.has(s));
  let scopes = auth0Scopes(requested, apiScopes);
  const iat = Math.floor(now / 1000);
  const claims: Record<string, unknown> = { iss: issuer };

  if (request.user) {
    const user = accounts.byEmail(request.user) ?? accounts.byId(request.user);
    if (!user) throw new Auth0Error(400, 'invalid_request', `No user ${request.user}; the users are: ${accounts.all.map((u) => u.email).join(', ')}.`);
    const client = request.client_id
      ? tenant.clients.find((c) => c.client_id === request.client_id)
      : tenant.clients.find((c) => c.grant_types.includes('authorization_code') || c.grant_types.includes('password'));
    if (!client) throw new Auth0Error(400, 'invalid_request', `No application ${request.client_id ?? 'for users'} in the tenant.`);
    const outcome = request.actions === false
      ? undefined
      : await trigger.run({ user, pictureOrigin: accounts.pictureOrigin, client, protocol: 'oauth2-password', audience, scopes: requested, request: { ip: '127.0.0.1', hostname: 'mint', method: 'POST', query: {}, body: {} } });
    // As at a login: the Actions' scope changes, and /userinfo in aud with openid.
    scopes = auth0Scopes(requested, apiScopes, outcome);
    Object.assign(claims, {
      sub: user.user_id,
      aud: auth0Audience(audience, scopes, issuer),
      azp: client.client_id,
      // The Actions saw a password grant (oauth2-password), so the token says so, as Auth0's does.
      gty: 'password',
      ...outcome?.accessTokenClaims,
    });
  } else if (request.client_id) {
    if (!tenant.clients.some((c) => c.client_id === request.client_id)) throw new Auth0Error(400, 'invalid_request', `No client ${request.client_id} in the tenant.`);
    Object.assign(claims, { sub: `${request.client_id}@clients`, aud: audience, azp: request.client_id, gty: 'client-credentials' });
  } else {
    throw new Auth0Error(400, 'invalid_request', 'Name a user (email or user_id) or a client_id.');
  }

  const lifetime = request.lifetime_seconds ?? api?.token_lifetime ?? 86_400;
  Object.assign(claims, {
    iat: lifetime < 0 ? iat + lifetime - 60 : iat,
    exp: iat + lifetime,
    scope: scopes.join(' ') || undefined,
    ...request.claims,
  });
  const payload = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
  const access_token = await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: keys.current.kid }).sign(keys.current.privateKey);
  return { access_token, claims: payload };
}

/** The request's fields with the types they need, claims no deeper than MAX_CLAIM_DEPTH; else a 400 naming the field. */
function checkedRequest(body: unknown): MintRequest {
  const parsed = mintRequestSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new Auth0Error(400, 'invalid_request', `Not a token request: ${problems}.`);
  }
  if (nestsDeeperThan(parsed.data.claims, MAX_CLAIM_DEPTH)) {
    throw new Auth0Error(400, 'invalid_request', `"claims" nest deeper than ${MAX_CLAIM_DEPTH} levels; the sandbox mints tokens up to that depth.`);
  }
  return parsed.data;
}
