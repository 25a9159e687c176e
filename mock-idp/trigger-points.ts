/**
 * Where oidc-provider's flows meet the Post-Login trigger, at the points Auth0 runs it: after the login of
 * /authorize (SSO included) and on every refresh. The password grants run it themselves (grants/password.ts).
 */
import type { KoaContextWithOIDC } from 'oidc-provider';

import { OIDC_SCOPES, SCOPE_CLAIMS } from './accounts.ts';
import { NO_OUTCOME, type Outcomes } from './actions/outcomes.ts';
import type { PostLoginOutcome, PostLoginRequest } from './actions/post-login.ts';
import { REQUESTED_SCOPE_PARAM, audienceToResource, resourceToAudience } from './auth0.ts';
import { Auth0Error } from './errors.ts';
import type { ProviderDeps } from './provider.ts';
import type { TenantUser } from './tenant.ts';

/**
 * oidc-provider's loadExistingGrant, called once the session has a user: runs the trigger and makes the
 * grant the code will carry. A deny thrown here becomes `error=access_denied` at the redirect_uri, as in Auth0.
 */
export async function grantAfterLogin(ctx: KoaContextWithOIDC, deps: ProviderDeps, outcomes: Outcomes) {
  const accountId = ctx.oidc.session?.accountId;
  const user = accountId ? deps.accounts.byId(accountId) : undefined;
  if (!user || !ctx.oidc.client) return undefined;
  const params = ctx.oidc.params as Record<string, string | undefined>;
  const scopes = (params[REQUESTED_SCOPE_PARAM] ?? params.scope ?? '').split(' ').filter(Boolean);
  const audience = params.resource ? resourceToAudience(params.resource) : deps.tenant.default_audience;
  const outcome = await deps.trigger.run({
    ...triggerRequest(ctx, deps, user, 'oidc-basic-profile', audience, scopes),
    transaction: { redirect_uri: params.redirect_uri, response_type: params.response_type?.split(' '), state: params.state },
  });

  const grant = new ctx.oidc.provider.Grant({ accountId, clientId: ctx.oidc.client.clientId });
  grant.addOIDCScope(scopes.filter((s) => OIDC_SCOPES.has(s)).join(' '));
  grant.addOIDCClaims(Object.values(SCOPE_CLAIMS).flat());
  if (audience) grant.addResourceScope(audienceToResource(audience), scopes.filter((s) => !OIDC_SCOPES.has(s)).join(' '));
  outcomes.remember(await grant.save(), outcome);
  return grant;
}

type MintedToken = { grantId?: string; accountId?: string; resourceServer?: { audience?: string } };

/** The outcome a user's token is minted with: the login's, or on a refresh a new run's. */
export async function outcomeForToken(ctx: KoaContextWithOIDC, token: MintedToken, deps: ProviderDeps, outcomes: Outcomes): Promise<PostLoginOutcome> {
  if (ctx.oidc.params?.grant_type !== 'refresh_token' || !token.accountId) return outcomes.forGrant(token.grantId) ?? NO_OUTCOME;
  const user = deps.accounts.byId(token.accountId);
  if (!user) throw new Auth0Error(403, 'invalid_grant', 'Unknown or invalid refresh token.');
  // Auth0 runs the Actions again on a refresh, so a role assigned since the login shows up now.
  const scopes = (ctx.oidc.entities.RefreshToken?.scope ?? '').split(' ').filter(Boolean);
  const outcome = await deps.trigger.run(triggerRequest(ctx, deps, user, 'oauth2-refresh-token', token.resourceServer?.audience, scopes));
  if (token.grantId) outcomes.remember(token.grantId, outcome);
  return outcome;
}

export function triggerRequest(ctx: KoaContextWithOIDC, deps: ProviderDeps, user: TenantUser, protocol: string, audience: string | undefined, scopes: string[]): PostLoginRequest {
  const client = deps.tenant.clients.find((c) => c.client_id === ctx.oidc.client?.clientId);
  if (!client) throw new Error(`no tenant client for ${ctx.oidc.client?.clientId}`);
  return { user, client, protocol, audience, scopes, request: requestOf(ctx) };
}

const SECRET_PARAMETERS = new Set(['password', 'client_secret', 'client_assertion', 'refresh_token', 'code', 'code_verifier']);

/** `event.request` of an Action: the body as the client sent it (`audience`), less its credentials. */
function requestOf(ctx: KoaContextWithOIDC): PostLoginRequest['request'] {
  const body = Object.entries((ctx.oidc?.body as Record<string, unknown> | undefined) ?? {})
    .filter(([key]) => !SECRET_PARAMETERS.has(key))
    .map(([key, value]) => (key === 'resource' ? ['audience', resourceToAudience(String(value))] : [key, value]));
  return {
    ip: ctx.ip,
    hostname: ctx.hostname,
    method: ctx.method,
    user_agent: ctx.get('user-agent') || undefined,
    query: { ...ctx.query },
    body: Object.fromEntries(body),
  };
}
