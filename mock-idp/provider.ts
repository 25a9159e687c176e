/**
 * The tenant as an oidc-provider instance shaped like Auth0: Auth0's routes, resource servers for its APIs
 * (audience), Auth0-shaped access tokens, and the Post-Login trigger run where Auth0 runs it.
 */
import { randomBytes } from 'node:crypto';
import Provider, { type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

import type { Logger } from '../common/log.ts';
import { Accounts, SCOPE_CLAIMS } from './accounts.ts';
import type { PostLoginOutcome, PostLoginTrigger } from './actions/post-login.ts';
import { AUTH0_ROUTES, REQUESTED_SCOPE_PARAM, audienceToResource, auth0TokenError, resourceToAudience } from './auth0.ts';
import { Auth0Error } from './errors.ts';
import type { SigningKeys } from './keys.ts';
import { renderErrorPage } from './login/login-page.ts';
import type { MemoryStore } from './memory-adapter.ts';
import { registerPasswordGrants } from './grants/password.ts';
import { resourceServerInfo } from './resource-servers.ts';
import type { Tenant, TenantClient } from './tenant.ts';

export interface ProviderDeps {
  tenant: Tenant;
  issuer: string;
  keys: SigningKeys;
  accounts: Accounts;
  trigger: PostLoginTrigger;
  store: MemoryStore;
  log: Logger;
}

export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);
const REFRESH_TOKEN_TTL = 30 * 86_400;

/** What the Post-Login trigger produced for each grant (a login), read when its tokens are minted. */
export class Outcomes {
  readonly #byGrant = new Map<string, PostLoginOutcome>();
  readonly #byRequest = new WeakMap<object, PostLoginOutcome>();

  remember(grantId: string, outcome: PostLoginOutcome): void {
    if (this.#byGrant.size >= 10_000) this.#byGrant.delete(this.#byGrant.keys().next().value!);
    this.#byGrant.delete(grantId);
    this.#byGrant.set(grantId, outcome);
  }

  forGrant(grantId: string | undefined): PostLoginOutcome | undefined {
    return grantId ? this.#byGrant.get(grantId) : undefined;
  }

  /** The outcome of the token request being answered, so its ID token gets the same Action claims. */
  forRequest(ctx: object | undefined): PostLoginOutcome | undefined {
    return ctx ? this.#byRequest.get(ctx) : undefined;
  }

  setForRequest(ctx: object, outcome: PostLoginOutcome): void {
    this.#byRequest.set(ctx, outcome);
  }
}

export function createProvider(deps: ProviderDeps): { provider: Provider; outcomes: Outcomes } {
  const { tenant, issuer, keys, accounts, store } = deps;
  const outcomes = new Outcomes();
  const apiFor = (identifier: string) => tenant.resource_servers.find((api) => api.identifier === identifier);
  const tenantClient = (clientId: string) => tenant.clients.find((c) => c.client_id === clientId)!;

  const configuration: Configuration = {
    clients: tenant.clients.map(toClientMetadata),
    jwks: { keys: [keys.current.privateJwk, keys.next.privateJwk] as never },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    adapter: store.adapterFactory(),
    findAccount: accounts.findAccount,
    claims: { ...SCOPE_CLAIMS, openid: ['sub'] } as unknown as Configuration['claims'],
    // Auth0 puts the profile and email claims the scopes ask for into the ID token itself.
    conformIdTokenClaims: false,
    scopes: [...OIDC_SCOPES],
    routes: AUTH0_ROUTES,
    interactions: { url: (_ctx, interaction) => `/u/login?state=${interaction.uid}` },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 86_400,
      AuthorizationCode: 600,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 86_400,
      IdToken: (_ctx, _token, client) => tenantClient(client.clientId).id_token_lifetime,
      Grant: REFRESH_TOKEN_TTL,
      Interaction: 3_600,
      RefreshToken: REFRESH_TOKEN_TTL,
      Session: 3 * 86_400,
    },
    pkce: { required: () => false },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource: autoSubmitLogout },
      resourceIndicators: {
        enabled: true,
        // Auth0's "Default Audience": a request that names no API gets a token for it, or an opaque one.
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? (tenant.default_audience ? audienceToResource(tenant.default_audience) : (undefined as never)),
        // Auth0 issues the API token at the code exchange from the audience of /authorize, even with openid.
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource, client) => {
          const api = apiFor(resourceToAudience(resource));
          if (!api) throw new Auth0Error(403, 'access_denied', `Service not found: ${resourceToAudience(resource)}`);
          if (ctx.oidc.params?.grant_type === 'client_credentials') checkClientGrant(tenant, client.clientId, api.identifier);
          return resourceServerInfo(api, keys.current.kid);
        },
      },
    },
    loadExistingGrant: (ctx) => runTriggerOnAuthorize(ctx, deps, outcomes),
    extraParams: [REQUESTED_SCOPE_PARAM],
    issueRefreshToken: async (ctx, client, code) => {
      const api = code.resource ? apiFor(resourceToAudience(String(code.resource))) : undefined;
      const offline = code.scopes.has('offline_access') || grantedOidcScope(ctx)?.split(' ').includes('offline_access');
      // Auth0 issues refresh tokens for an API only when the API allows offline access.
      return client.grantTypeAllowed('refresh_token') && Boolean(offline) && (!api || api.allow_offline_access);
    },
    extraTokenClaims: async (ctx, token) => {
      if (token.kind === 'ClientCredentials') return undefined;
      const outcome = await outcomeForToken(ctx, token, deps, outcomes);
      outcomes.setForRequest(ctx, outcome);
      return outcome.accessTokenClaims;
    },
    formats: { customizers: { jwt: (ctx, token, jwt) => shapeAccessToken(ctx, token, jwt, issuer, outcomes) } },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = out.error === 'invalid_redirect_uri'
        // Auth0's page for a redirect_uri that is not among the Allowed Callback URLs.
        ? renderErrorPage('unauthorized_client', `Callback URL mismatch. ${String(ctx.oidc?.params?.redirect_uri ?? '')} is not in the list of allowed callback URLs`)
        : renderErrorPage(String(out.error), String(out.error_description ?? ''));
    },
  };

  const provider = new Provider(issuer, configuration);
  registerPasswordGrants(provider, deps, outcomes);
  translateTokenErrors(provider);
  addActionIdTokenClaims(provider, outcomes);
  return { provider, outcomes };
}

function toClientMetadata(client: TenantClient): ClientMetadata {
  const interactive = client.grant_types.includes('authorization_code');
  return {
    client_id: client.client_id,
    client_name: client.name,
    ...(client.client_secret ? { client_secret: client.client_secret } : {}),
    // Auth0 takes either method from any confidential client; request-shim.ts turns Basic into post.
    token_endpoint_auth_method: client.token_endpoint_auth_method === 'none' ? 'none' : 'client_secret_post',
    grant_types: client.grant_types.filter((g) => g !== 'implicit'),
    response_types: interactive ? ['code'] : [],
    redirect_uris: interactive ? client.callbacks : [],
    post_logout_redirect_uris: client.allowed_logout_urls,
    application_type: client.app_type === 'native' ? 'native' : 'web',
  };
}

function checkClientGrant(tenant: Tenant, clientId: string, audience: string): void {
  if (!tenant.client_grants.some((g) => g.client_id === clientId && g.audience === audience)) {
    throw new Auth0Error(
      403,
      'access_denied',
      `Client is not authorized to access "${audience}". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`,
    );
  }
}

/**
 * Interactive logins: Auth0 runs the Post-Login trigger after every authentication, SSO included, before
 * the code is issued. Here that point is loadExistingGrant, which oidc-provider calls once the session has a
 * user; a deny thrown here becomes `error=access_denied` at the redirect_uri, as in Auth0.
 */
async function runTriggerOnAuthorize(ctx: KoaContextWithOIDC, deps: ProviderDeps, outcomes: Outcomes) {
  const accountId = ctx.oidc.session?.accountId;
  const user = accountId ? deps.accounts.byId(accountId) : undefined;
  if (!user || !ctx.oidc.client) return undefined;
  const params = ctx.oidc.params as Record<string, string | undefined>;
  const scopes = (params[REQUESTED_SCOPE_PARAM] ?? params.scope ?? '').split(' ').filter(Boolean);
  const audience = params.resource ? resourceToAudience(params.resource) : deps.tenant.default_audience;
  const outcome = await deps.trigger.run({
    user,
    client: deps.tenant.clients.find((c) => c.client_id === ctx.oidc.client!.clientId)!,
    protocol: 'oidc-basic-profile',
    audience,
    scopes,
    request: requestOf(ctx),
    transaction: { redirect_uri: params.redirect_uri, response_type: params.response_type?.split(' '), state: params.state },
  });
  const grant = new ctx.oidc.provider.Grant({ accountId, clientId: ctx.oidc.client.clientId });
  grant.addOIDCScope(scopes.filter((s) => OIDC_SCOPES.has(s)).join(' '));
  grant.addOIDCClaims(Object.values(SCOPE_CLAIMS).flat());
  if (audience) grant.addResourceScope(audienceToResource(audience), scopes.filter((s) => !OIDC_SCOPES.has(s)).join(' '));
  const grantId = await grant.save();
  outcomes.remember(grantId, outcome);
  return grant;
}

/** The outcome for a token being minted: from the login (code), from a new run (refresh). */
async function outcomeForToken(ctx: KoaContextWithOIDC, token: { grantId?: string; accountId?: string; resourceServer?: { audience?: string } }, deps: ProviderDeps, outcomes: Outcomes): Promise<PostLoginOutcome> {
  const params = ctx.oidc.params as Record<string, string | undefined>;
  if (params.grant_type === 'refresh_token' && token.accountId) {
    const user = deps.accounts.byId(token.accountId);
    if (!user) throw new Auth0Error(403, 'invalid_grant', 'Unknown or invalid refresh token.');
    // Auth0 runs the Actions again on a refresh, so a role assigned since the login shows up now.
    const outcome = await deps.trigger.run({
      user,
      client: deps.tenant.clients.find((c) => c.client_id === ctx.oidc.client!.clientId)!,
      protocol: 'oauth2-refresh-token',
      audience: token.resourceServer?.audience,
      scopes: (ctx.oidc.entities.RefreshToken?.scope ?? '').split(' ').filter(Boolean),
      request: requestOf(ctx),
    });
    if (token.grantId) outcomes.remember(token.grantId, outcome);
    return outcome;
  }
  return outcomes.forGrant(token.grantId) ?? { accessTokenClaims: {}, idTokenClaims: {}, scopesAdded: [], scopesRemoved: [] };
}

/** The OIDC scopes the login granted (offline_access included; see REQUESTED_SCOPE_PARAM). */
function grantedOidcScope(ctx: KoaContextWithOIDC): string | undefined {
  return ctx.oidc.entities.Grant?.getOIDCScope();
}

/** Auth0's access-token profile (reference §2.3) instead of RFC 9068's. */
function shapeAccessToken(ctx: KoaContextWithOIDC, token: { kind: string; clientId?: string; gty?: string; scope?: string }, jwt: { header?: object; payload: Record<string, unknown> }, issuer: string, outcomes: Outcomes): void {
  const payload = jwt.payload;
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

  const outcome = outcomes.forRequest(ctx);
  const requested = (grantedOidcScope(ctx) ?? String(ctx.oidc.params?.scope ?? '')).split(' ');
  const scopes = new Set([...requested.filter((s) => OIDC_SCOPES.has(s)), ...String(payload.scope ?? '').split(' ')]);
  for (const s of outcome?.scopesAdded ?? []) scopes.add(s);
  for (const s of outcome?.scopesRemoved ?? []) scopes.delete(s);
  scopes.delete('');
  payload.scope = [...scopes].join(' ') || undefined;
  // With openid, Auth0 makes the token good at /userinfo too: aud becomes [api, <issuer>userinfo].
  if (scopes.has('openid')) payload.aud = [payload.aud, `${issuer}userinfo`];
}

/** Token-endpoint errors in Auth0's statuses and wording; see auth0TokenError. */
function translateTokenErrors(provider: Provider): void {
  provider.on('grant.error', (ctx: KoaContextWithOIDC, error: Error & { auth0?: boolean }) => {
    if (error.auth0) return;
    const translated = auth0TokenError(error, ctx);
    if (translated) {
      ctx.status = translated.statusCode;
      ctx.body = translated.body;
    }
  });
}

/** oidc-provider has no hook for extra ID-token claims; Auth0's Actions set them, so add them before signing. */
function addActionIdTokenClaims(provider: Provider, outcomes: Outcomes): void {
  const prototype = provider.IdToken.prototype as unknown as { issue: (...args: unknown[]) => Promise<string>; set: (k: string, v: unknown) => void; ctx?: object };
  const issue = prototype.issue;
  prototype.issue = function (this: typeof prototype, ...args: unknown[]) {
    for (const [name, value] of Object.entries(outcomes.forRequest(this.ctx)?.idTokenClaims ?? {})) this.set(name, value);
    return issue.apply(this, args);
  };
}

const SECRET_PARAMETERS = new Set(['password', 'client_secret', 'client_assertion', 'refresh_token', 'code', 'code_verifier']);

/** `event.request` of an Action: the body as the client sent it (`audience`), less its credentials. */
export function requestOf(ctx: KoaContextWithOIDC) {
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

/** Auth0's /oidc/logout asks nothing; submit oidc-provider's confirmation form at once. */
function autoSubmitLogout(ctx: KoaContextWithOIDC, form: string): void {
  ctx.type = 'html';
  ctx.body = `<!doctype html><html><head><title>Logout</title></head><body>${form.replace('<form', '<form id="op.logoutForm"')}<input type="hidden" form="op.logoutForm" name="logout" value="yes"/><script>document.forms[0].submit()</script><noscript><button form="op.logoutForm" type="submit">Log out</button></noscript></body></html>`;
}

