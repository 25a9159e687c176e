/**
 * The Auth0 tenant as mock-idp sees it: resolved and cross-checked by load-tenant.ts from a Deploy CLI
 * style tenant.yaml, with Action code already read. Field names follow Auth0's (snake_case) so that the YAML,
 * the Management API and this type read alike.
 */

export interface Tenant {
  /** Host (and port) of the tenant; the issuer is `https://<domain>/`. Undefined: `localhost:<https port>`. */
  domain?: string;
  /**
   * Where a browser reaches the IdP when it cannot resolve the domain (compose: containers know the domain
   * by a network alias, the browser only localhost). Discovery then gives the browser-facing endpoints
   * (authorize, logout) at this origin and keeps the others, and the issuer, at the domain.
   */
  browser_origin?: string;
  friendly_name?: string;
  /** Auth0's tenant "Default Audience": used when a token request names no audience. */
  default_audience?: string;
  /** Tenant-level Allowed Logout URLs, used by /v2/logout without a client_id. */
  allowed_logout_urls: string[];
  /** Auth0's "RP-Initiated Logout End Session Endpoint Discovery" toggle. */
  end_session_endpoint_discovery: boolean;
  /**
   * Auth0's "Show RP-Initiated Logout End-User Confirmation": /oidc/logout asks the user before it ends a
   * session its request cannot be matched to (no hint, or another session's).
   */
  oidc_logout_prompt: boolean;
  clients: TenantClient[];
  resource_servers: ResourceServer[];
  client_grants: ClientGrant[];
  roles: Role[];
  users: TenantUser[];
  /** The Post-Login trigger's Actions, in binding order. */
  post_login_actions: Action[];
}

export type AppType = 'regular_web' | 'spa' | 'native' | 'non_interactive';

export interface TenantClient {
  name: string;
  client_id: string;
  client_secret?: string;
  app_type: AppType;
  callbacks: string[];
  allowed_logout_urls: string[];
  web_origins: string[];
  grant_types: string[];
  token_endpoint_auth_method: 'client_secret_post' | 'client_secret_basic' | 'none';
  /** Lifetime of ID tokens for this application, in seconds. */
  id_token_lifetime: number;
  /** Auth0's "Refresh Token Rotation": each refresh returns a new refresh token and uses up the old one. */
  refresh_token_rotation: boolean;
}

export interface ResourceServer {
  name: string;
  identifier: string;
  scopes: string[];
  /** Access-token lifetime in seconds. */
  token_lifetime: number;
  allow_offline_access: boolean;
}

export interface ClientGrant {
  client_id: string;
  audience: string;
  scope: string[];
}

export interface Role {
  id: string;
  name: string;
  description?: string;
}

export interface TenantUser {
  user_id: string;
  email: string;
  password: string;
  email_verified: boolean;
  name: string;
  nickname: string;
  /** Unset: the IdP's default picture, made when a profile is read (mock-idp/avatar.ts). */
  picture?: string;
  given_name?: string;
  family_name?: string;
  created_at: string;
  updated_at: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  /** Role names. */
  roles: string[];
}

export interface Action {
  name: string;
  /** Where the code came from, for log lines. */
  file: string;
  code: string;
  secrets: Record<string, string>;
  /** The npm modules it may require (Deploy CLI's `dependencies`), installed in `modulesDir`. */
  dependencies: { name: string; version?: string }[];
  /** The environment's node_modules folder, where its dependencies are loaded from. */
  modulesDir?: string;
}

/** The application DIAL Chat logs in with: the first that may use the code flow and has a secret (Chat is a confidential client). */
export function dialChatApplication(tenant: Pick<Tenant, 'clients'>): TenantClient | undefined {
  return tenant.clients.find((c) => c.grant_types.includes('authorization_code') && c.client_secret);
}

/**
 * The tenant with DIAL Chat served at `origin` too (compose.yaml's SANDBOX_CHAT_ORIGIN, when Chat's host port
 * is moved): its callback (next-auth's /api/auth/callback/auth0) and the origin itself join Chat's
 * application's Allowed Callback and Logout URLs.
 */
export function withChatOrigin(tenant: Tenant, origin: string): Tenant {
  const chat = dialChatApplication(tenant);
  if (!chat) return tenant;
  const moved: TenantClient = { ...chat, callbacks: [...new Set([...chat.callbacks, `${origin}/api/auth/callback/auth0`])], allowed_logout_urls: [...new Set([...chat.allowed_logout_urls, origin])] };
  return { ...tenant, clients: tenant.clients.map((c) => (c === chat ? moved : c)) };
}

/** The application a password grant is made with: a confidential one that may use it first, else a public one. */
export function passwordGrantClient(tenant: Pick<Tenant, 'clients'>): TenantClient | undefined {
  const allowed = tenant.clients.filter((c) => c.grant_types.includes('password'));
  return allowed.find((c) => c.client_secret && c.token_endpoint_auth_method !== 'none') ?? allowed.find((c) => c.token_endpoint_auth_method === 'none') ?? allowed[0];
}

/** The API a token is for when the request names none: the tenant's default audience, else its first API. */
export const defaultAudience = (tenant: Pick<Tenant, 'default_audience' | 'resource_servers'>): string | undefined => tenant.default_audience ?? tenant.resource_servers[0]?.identifier;

/** A password grant as a client sends it to /oauth/token: the secret only from a confidential application. */
export function passwordGrantBody(client: TenantClient, user: Pick<TenantUser, 'email' | 'password'>, audience?: string, scope?: string): Record<string, string | undefined> {
  return {
    grant_type: 'password',
    client_id: client.client_id,
    ...(client.token_endpoint_auth_method === 'none' ? {} : { client_secret: client.client_secret }),
    username: user.email,
    password: user.password,
    ...(audience ? { audience } : {}),
    ...(scope ? { scope } : {}),
  };
}
