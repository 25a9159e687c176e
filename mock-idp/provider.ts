/**
 * The tenant as an oidc-provider instance shaped like Auth0: Auth0's routes, resource servers for its APIs
 * (audience), Auth0-shaped access tokens, and the Post-Login trigger run where Auth0 runs it.
 */
import { randomBytes } from 'node:crypto';
import Provider, { interactionPolicy, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

import { OIDC_SCOPES, SCOPE_CLAIMS } from './accounts.ts';
import { Outcomes } from './actions/outcomes.ts';
import { AUTH0_ROUTES, REQUESTED_SCOPE_PARAM, audienceToResource, auth0TokenError, resourceToAudience } from './auth0.ts';
import { Auth0Error, serviceNotFound } from './errors.ts';
import { registerPasswordGrants } from './grants/password.ts';
import type { ProviderDeps } from './provider-deps.ts';
import { CurrentSigningKey } from './provider-signing-key.ts';
import { renderErrorPage, renderLogoutPrompt } from './login/login-page.ts';
import { resourceServerInfo } from './resource-servers.ts';
import type { Tenant, TenantClient } from './tenant.ts';
import { shapeTokenAnswers } from './token-answers.ts';
import { WEB_MESSAGE, webMessageResponse } from './web-message.ts';
import { addActionIdTokenClaims, grantedOidcScope, shapeAccessToken } from './token-shapes.ts';
import { grantForSession, outcomeForToken, postLoginPrompt, runTriggerOnRefresh } from './trigger-points.ts';

const REFRESH_TOKEN_TTL = 30 * 86_400;

export function createProvider(deps: ProviderDeps): Provider {
  const { tenant, issuer, keys, accounts, store } = deps;
  const outcomes = new Outcomes();
  const apiFor = (identifier: string) => tenant.resource_servers.find((api) => api.identifier === identifier);
  const tenantClient = (clientId: string) => tenant.clients.find((c) => c.client_id === clientId)!;

  const configuration: Configuration = {
    clients: tenant.clients.map(toClientMetadata),
    jwks: { keys: [new CurrentSigningKey(keys)] as never },
    // Auth0's session cookie is SameSite=None (and Secure), so a silent login in an application's iframe on
    // another site carries it; oidc-provider's default, Lax, would not (plain HTTP: handlers/cookies.ts).
    cookies: { keys: [randomBytes(32).toString('hex')], long: { httpOnly: true, sameSite: 'none' } },
    adapter: store.adapterFactory(),
    findAccount: accounts.findAccount,
    claims: { ...SCOPE_CLAIMS, openid: ['sub'] } as unknown as Configuration['claims'],
    // Auth0 puts the profile and email claims the scopes ask for into the ID token itself.
    conformIdTokenClaims: false,
    scopes: [...OIDC_SCOPES],
    routes: AUTH0_ROUTES,
    interactions: {
      url: (_ctx, interaction) => `/u/login?state=${interaction.uid}`,
      policy: [...interactionPolicy.base(), postLoginPrompt(deps, outcomes)],
    },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 86_400,
      AuthorizationCode: 600,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 86_400,
      IdToken: (_ctx, _token, client) => tenantClient(client.clientId).id_token_lifetime,
      // A grant lives as long as what it can still mint: refresh tokens with offline_access, else access tokens.
      Grant: (_ctx, grant) => (grant.getOIDCScope().split(' ').includes('offline_access') ? REFRESH_TOKEN_TTL : 86_400),
      Interaction: 3_600,
      RefreshToken: REFRESH_TOKEN_TTL,
      Session: 3 * 86_400,
    },
    pkce: { required: () => false },
    // Auth0 answers CORS requests from an application's Allowed Web Origins.
    clientBasedCORS: (_ctx, origin, client) => tenantClient(client.clientId).web_origins.includes(origin),
    features: {
      devInteractions: { enabled: false },
      // Keys rotate at run time (provider-signing-key.ts).
      externalSigningSupport: { enabled: true, ack: 'experimental-01' },
      clientCredentials: { enabled: true },
      revocation: {
        enabled: true,
        // Auth0 revokes the one refresh token named (its "Refresh Token Revocation Deletes Grant" is off by
        // default), only the client's own, and nothing else (access tokens are not revocable). oidc-provider,
        // told yes, would revoke every token of the grant, which a user's logins with the application share;
        // so the token is destroyed here and oidc-provider told no.
        allowedPolicy: async (_ctx, client, token) => {
          if (token.kind === 'RefreshToken' && token.clientId === client.clientId) await token.destroy();
          return false;
        },
      },
      // Reached only for the logout prompt: handlers/oidc-logout.ts ends a matched session itself.
      rpInitiatedLogout: { enabled: true, logoutSource: (ctx, form) => void ((ctx.type = 'html'), (ctx.body = renderLogoutPrompt(form))) },
      resourceIndicators: {
        enabled: true,
        // Auth0's "Default Audience": a request that names no API gets a token for it, or an opaque one.
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? (tenant.default_audience ? audienceToResource(tenant.default_audience) : (undefined as never)),
        // Auth0 issues the API token at the code exchange from the audience of /authorize, even with openid.
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource, client) => {
          const api = apiFor(resourceToAudience(resource));
          if (!api) throw serviceNotFound(resourceToAudience(resource));
          if (ctx.oidc.params?.grant_type === 'client_credentials') checkClientGrant(tenant, client.clientId, api.identifier);
          return resourceServerInfo(api);
        },
      },
    },
    loadExistingGrant: (ctx) => grantForSession(ctx, deps),
    extraParams: [REQUESTED_SCOPE_PARAM],
    issueRefreshToken: async (ctx, client, source) => {
      const api = source.resource ? apiFor(resourceToAudience(String(source.resource))) : undefined;
      const offline = source.scopes.has('offline_access') || grantedOidcScope(ctx)?.split(' ').includes('offline_access');
      // Auth0 issues refresh tokens for an API only when the API allows offline access.
      return client.grantTypeAllowed('refresh_token') && Boolean(offline) && (!api || api.allow_offline_access);
    },
    // Auth0's refresh tokens outlive the login session (ended by /v2/logout or its lifetime).
    expiresWithSession: async () => false,
    rotateRefreshToken: async (ctx) => {
      await runTriggerOnRefresh(ctx, deps, outcomes);
      return tenantClient(ctx.oidc.client!.clientId).refresh_token_rotation;
    },
    extraTokenClaims: async (ctx, token) => {
      if (token.kind === 'ClientCredentials') return undefined;
      const outcome = outcomeForToken(ctx, token.grantId, outcomes);
      outcomes.setForRequest(ctx, outcome);
      return outcome.accessTokenClaims;
    },
    formats: { customizers: { jwt: (ctx, token, jwt) => shapeAccessToken(ctx, token, jwt, { issuer, outcomes, clock: deps.clock }) } },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = out.error === 'invalid_redirect_uri'
        // Auth0's page for a redirect_uri that is not among the Allowed Callback URLs.
        ? renderErrorPage('unauthorized_client', `Callback URL mismatch. ${String(ctx.oidc?.params?.redirect_uri ?? '')} is not in the list of allowed callback URLs`)
        : renderErrorPage(String(out.error), String(out.error_description ?? ''));
    },
  };

  const provider = new Provider(issuer, configuration);
  // Auth0's ID tokens from a login carry the session's id (`sid`), which /oidc/logout matches; oidc-provider
  // adds it only for clients of back-channel logout.
  (provider.Client.prototype as unknown as { includeSid: () => boolean }).includeSid = () => true;
  registerPasswordGrants(provider, deps, outcomes);
  translateTokenErrors(provider);
  addActionIdTokenClaims(provider, outcomes);
  (provider as unknown as { registerResponseMode(name: string, handler: typeof webMessageResponse): void }).registerResponseMode(WEB_MESSAGE, webMessageResponse);
  shapeTokenAnswers(provider, { outcomes, rotatesRefreshTokens: (clientId) => tenantClient(clientId).refresh_token_rotation });
  return provider;
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
