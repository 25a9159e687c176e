/**
 * Auth0's Resource Owner Password grants, `password` and `http://auth0.com/oauth/grant-type/password-realm`
 * (oidc-provider ships neither). They authenticate a tenant user, run the Post-Login trigger, and answer
 * like the other grants: an API access token, an ID token with `openid`, a refresh token with
 * `offline_access`.
 */
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { OIDC_SCOPES, profileClaims } from '../accounts.ts';
import type { Outcomes } from '../actions/outcomes.ts';
import { audienceToResource } from '../auth0.ts';
import { Auth0Error, serviceNotFound, wrongEmailOrPassword } from '../errors.ts';
import type { ProviderDeps } from '../provider-deps.ts';
import { resourceServerInfo } from '../resource-servers.ts';
import { audienceOf, triggerRequest } from '../trigger-points.ts';

export const PASSWORD_REALM_GRANT = 'http://auth0.com/oauth/grant-type/password-realm';
const PARAMETERS = ['username', 'password', 'scope', 'resource', 'realm'];

export function registerPasswordGrants(provider: Provider, deps: ProviderDeps, outcomes: Outcomes): void {
  const grantIds = new Map<string, string>();
  const handler = (ctx: KoaContextWithOIDC) => passwordGrant(ctx, deps, outcomes, grantIds);
  provider.registerGrantType('password', handler, PARAMETERS);
  provider.registerGrantType(PASSWORD_REALM_GRANT, handler, PARAMETERS);
}

async function passwordGrant(ctx: KoaContextWithOIDC, deps: ProviderDeps, outcomes: Outcomes, grantIds: Map<string, string>): Promise<void> {
  const { provider } = ctx.oidc;
  const client = ctx.oidc.client!;
  const params = ctx.oidc.params as Record<string, string | undefined>;
  if (!params.username || !params.password) {
    throw new Auth0Error(400, 'invalid_request', `Missing required parameter: ${params.username ? 'password' : 'username'}`);
  }
  const user = deps.accounts.authenticate(params.username, params.password);
  if (!user) throw wrongEmailOrPassword();

  const audience = audienceOf(params, deps);
  const api = audience ? deps.tenant.resource_servers.find((r) => r.identifier === audience) : undefined;
  if (audience && !api) throw serviceNotFound(audience);
  const requested = (params.scope ?? '').split(' ').filter(Boolean);
  const oidcScopes = requested.filter((s) => OIDC_SCOPES.has(s));
  // Without a scope parameter Auth0 grants every scope of the API.
  const apiScopes = api ? (params.scope === undefined ? api.scopes : requested.filter((s) => api.scopes.includes(s))) : [];

  const outcome = await deps.trigger.run(triggerRequest(ctx, deps, user, 'oauth2-password', audience, requested));

  // One grant per user and application, reused from login to login, so repeated logins do not pile up.
  const key = `${user.user_id}\u0000${client.clientId}`;
  const previous = grantIds.get(key);
  const existing = previous ? await provider.Grant.find(previous) : undefined;
  const grant = existing ?? new provider.Grant({ accountId: user.user_id, clientId: client.clientId });
  grant.addOIDCScope(oidcScopes.join(' '));
  if (api) grant.addResourceScope(audienceToResource(api.identifier), apiScopes.join(' '));
  const grantId = await grant.save();
  grantIds.set(key, grantId);
  outcomes.remember(grantId, outcome);

  // An API token carries the API's scopes; the opaque one (no API) the OIDC scopes it is good for at /userinfo.
  const at = new provider.AccessToken({ accountId: user.user_id, client, grantId, gty: 'password', scope: (api ? apiScopes : oidcScopes).join(' ') || undefined });
  if (api) at.resourceServer = new provider.ResourceServer(audienceToResource(api.identifier), resourceServerInfo(api));
  const accessToken = await at.save();

  let refreshToken: string | undefined;
  if (oidcScopes.includes('offline_access') && client.grantTypeAllowed('refresh_token') && (!api || api.allow_offline_access)) {
    const rt = new provider.RefreshToken({
      accountId: user.user_id, client, grantId, gty: 'password', scope: [...oidcScopes, ...apiScopes].join(' '), resource: api && audienceToResource(api.identifier), rotations: 0,
    } as never);
    refreshToken = await rt.save();
  }

  let idToken: string | undefined;
  if (oidcScopes.includes('openid')) {
    const token = new provider.IdToken(profileClaims(user, deps.accounts.pictureOrigin), { ctx });
    // The scope decides which profile claims the ID token carries (oidc-provider's mask).
    (token as unknown as { scope: string }).scope = oidcScopes.join(' ');
    idToken = await token.issue({ use: 'idtoken' });
  }

  ctx.body = {
    access_token: accessToken,
    ...(idToken ? { id_token: idToken } : {}),
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    scope: [...oidcScopes, ...apiScopes, ...outcome.scopesAdded].filter((s) => !outcome.scopesRemoved.includes(s)).join(' ') || undefined,
    expires_in: at.expiration,
    token_type: 'Bearer',
  };
}
