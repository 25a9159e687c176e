/**
 * Where oidc-provider's flows meet the Post-Login trigger, at the points Auth0 runs it: once a login of
 * /authorize is complete (SSO included), and on every refresh. The password grants run it themselves
 * (grants/password.ts).
 */
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';

import { OIDC_SCOPES, SCOPE_CLAIMS } from './accounts.ts';
import { NO_OUTCOME, type Outcomes } from './actions/outcomes.ts';
import type { PostLoginOutcome, PostLoginRequest } from './actions/post-login.ts';
import { REQUESTED_SCOPE_PARAM, audienceToResource, resourceToAudience } from './auth0.ts';
import { Auth0Error } from './errors.ts';
import type { ProviderDeps } from './provider-deps.ts';
import type { TenantUser } from './tenant.ts';

type Params = Record<string, string | undefined>;

/**
 * oidc-provider's loadExistingGrant. Auth0 asks no consent of first-party applications: the session's grant
 * for the client (or a new one) simply gets everything requested. One grant per user and client, reused, so
 * refresh tokens issued from it survive later logins.
 */
export async function grantForSession(ctx: KoaContextWithOIDC, deps: ProviderDeps) {
  const accountId = ctx.oidc.session?.accountId;
  const clientId = ctx.oidc.client?.clientId;
  if (!accountId || !clientId) return undefined;
  const { Grant } = ctx.oidc.provider;
  const existingId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(clientId);
  const existing = existingId ? await Grant.find(existingId) : undefined;
  // After a login as someone else (prompt=login), the session's old grant is not this user's.
  const grant = existing?.accountId === accountId ? existing : new Grant({ accountId, clientId });

  const params = ctx.oidc.params as Params;
  const scopes = requestedScopes(params);
  const audience = audienceOf(params, deps);
  grant.addOIDCScope(scopes.filter((s) => OIDC_SCOPES.has(s)).join(' '));
  grant.addOIDCClaims(Object.values(SCOPE_CLAIMS).flat());
  if (audience) grant.addResourceScope(audienceToResource(audience), scopes.filter((s) => !OIDC_SCOPES.has(s)).join(' '));
  await grant.save();
  return grant;
}

/**
 * The last prompt of the interaction policy: it never asks the user anything, but runs the trigger once
 * login and consent are settled, so it runs for the user who has just logged in, once per authorization.
 * A deny thrown here becomes `error=access_denied` at the redirect_uri, as in Auth0.
 */
export function postLoginPrompt(deps: ProviderDeps, outcomes: Outcomes) {
  const { Prompt, Check } = interactionPolicy;
  return new Prompt(
    { name: 'post_login', requestable: false },
    new Check('post_login_actions', 'the Post-Login Actions run', async (ctx) => {
      const user = deps.accounts.byId(ctx.oidc.session?.accountId ?? '');
      const grant = ctx.oidc.entities.Grant;
      if (!user || !grant?.jti) return Check.NO_NEED_TO_PROMPT;
      const params = ctx.oidc.params as Params;
      const outcome = await deps.trigger.run({
        ...triggerRequest(ctx, deps, user, 'oidc-basic-profile', audienceOf(params, deps), requestedScopes(params)),
        transaction: {
          redirect_uri: params.redirect_uri,
          response_type: params.response_type?.split(' '),
          response_mode: params.response_mode,
          state: params.state,
          prompt: params.prompt?.split(' '),
          login_hint: params.login_hint,
        },
      });
      outcomes.remember(grant.jti, outcome);
      return Check.NO_NEED_TO_PROMPT;
    }),
  );
}

/**
 * A refresh: Auth0 runs the Actions again, so a role assigned since the login shows up now. Called from
 * oidc-provider's rotateRefreshToken, which comes before the refresh token is used up, so a deny leaves the
 * token as it was.
 */
export async function runTriggerOnRefresh(ctx: KoaContextWithOIDC, deps: ProviderDeps, outcomes: Outcomes): Promise<void> {
  const refreshToken = ctx.oidc.entities.RefreshToken;
  const user = deps.accounts.byId(refreshToken?.accountId ?? '');
  if (!refreshToken || !user) throw new Auth0Error(403, 'invalid_grant', 'Unknown or invalid refresh token.');
  const audience = refreshToken.resource ? resourceToAudience(String(refreshToken.resource)) : undefined;
  const scopes = (refreshToken.scope ?? '').split(' ').filter(Boolean);
  const outcome = await deps.trigger.run(triggerRequest(ctx, deps, user, 'oauth2-refresh-token', audience, scopes));
  outcomes.setForRequest(ctx, outcome);
  if (refreshToken.grantId) outcomes.remember(refreshToken.grantId, outcome);
}

/** The outcome a user's access token is minted with: this request's (refresh, password) or the login's. */
export function outcomeForToken(ctx: KoaContextWithOIDC, grantId: string | undefined, outcomes: Outcomes): PostLoginOutcome {
  return outcomes.forRequest(ctx) ?? outcomes.forGrant(grantId) ?? NO_OUTCOME;
}

export function triggerRequest(ctx: KoaContextWithOIDC, deps: ProviderDeps, user: TenantUser, protocol: string, audience: string | undefined, scopes: string[]): PostLoginRequest {
  const client = deps.tenant.clients.find((c) => c.client_id === ctx.oidc.client?.clientId);
  if (!client) throw new Error(`no tenant client for ${ctx.oidc.client?.clientId}`);
  return { user, pictureOrigin: deps.accounts.pictureOrigin, client, protocol, audience, scopes, request: requestOf(ctx, protocol === 'oidc-basic-profile') };
}

/** The scope the client asked for, offline_access included (see REQUESTED_SCOPE_PARAM). */
function requestedScopes(params: Params): string[] {
  return (params[REQUESTED_SCOPE_PARAM] ?? params.scope ?? '').split(' ').filter(Boolean);
}

export function audienceOf(params: Params, deps: ProviderDeps): string | undefined {
  return params.resource ? resourceToAudience(params.resource) : deps.tenant.default_audience;
}

const HIDDEN_PARAMETERS = new Set(['password', 'client_secret', 'client_assertion', 'refresh_token', 'code', 'code_verifier', REQUESTED_SCOPE_PARAM]);

/**
 * `event.request` of an Action, with the parameters as the client sent them (`audience`, its `scope`) and
 * without credentials: the authorization request's in `query` for /authorize, the token request's in `body`.
 */
function requestOf(ctx: KoaContextWithOIDC, authorize: boolean): PostLoginRequest['request'] {
  const params = authorize ? { ...(ctx.oidc.params as Params), scope: requestedScopes(ctx.oidc.params as Params).join(' ') } : ((ctx.oidc.body ?? {}) as Params);
  const sent = Object.fromEntries(
    Object.entries(params)
      .filter(([key, value]) => value !== undefined && !HIDDEN_PARAMETERS.has(key))
      .map(([key, value]) => (key === 'resource' ? ['audience', resourceToAudience(String(value))] : [key, value])),
  );
  return {
    ip: ctx.ip,
    hostname: ctx.hostname,
    method: authorize ? 'GET' : ctx.method,
    user_agent: ctx.get('user-agent') || undefined,
    query: authorize ? sent : {},
    body: authorize ? {} : sent,
  };
}
