/**
 * The shape of tenant.yaml: the Auth0 Deploy CLI YAML format (`tenant`, `clients`, `resourceServers`,
 * `clientGrants`, `roles`, `actions`, `triggers`) plus the sandbox's `domain` and `users`. Keys Deploy CLI
 * exports that the sandbox does not use are accepted and ignored (objects are not strict), so a real export
 * loads unchanged.
 */
import { z } from 'zod';

const url = z.string().refine((value) => URL.canParse(value), 'not an absolute URL (e.g. http://localhost:3000/callback)');
const metadata = z.record(z.string(), z.unknown());

const grantType = z.enum([
  'authorization_code',
  'implicit',
  'refresh_token',
  'client_credentials',
  'password',
  'http://auth0.com/oauth/grant-type/password-realm',
]);

const client = z.object({
  name: z.string().min(1),
  client_id: z.string().min(1).optional(),
  client_secret: z.string().min(1).optional(),
  app_type: z.enum(['regular_web', 'spa', 'native', 'non_interactive']).default('regular_web'),
  callbacks: z.array(url).default([]),
  allowed_logout_urls: z.array(url).default([]),
  web_origins: z.array(url).default([]),
  grant_types: z.array(grantType).optional(),
  token_endpoint_auth_method: z.enum(['client_secret_post', 'client_secret_basic', 'none']).optional(),
  jwt_configuration: z.object({ lifetime_in_seconds: z.number().int().positive().optional() }).optional(),
  refresh_token: z.object({ rotation_type: z.enum(['rotating', 'non-rotating']).optional() }).optional(),
});

const resourceServer = z.object({
  name: z.string().min(1),
  identifier: z.string().min(1),
  signing_alg: z.literal('RS256', { error: 'the sandbox signs with RS256 only, as DIAL Core requires' }).default('RS256'),
  token_lifetime: z.number().int().positive().default(86_400),
  allow_offline_access: z.boolean().default(false),
  scopes: z.array(z.object({ value: z.string().min(1), description: z.string().optional() })).default([]),
});

const clientGrant = z.object({
  client_id: z.string().min(1),
  audience: z.string().min(1),
  scope: z.array(z.string()).default([]),
});

const role = z.object({
  name: z.string().min(1),
  id: z.string().min(1).optional(),
  description: z.string().optional(),
});

const user = z.object({
  email: z.email(),
  password: z.string().min(1),
  user_id: z.string().min(1).optional(),
  email_verified: z.boolean().default(true),
  name: z.string().optional(),
  nickname: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  picture: z.string().optional(),
  app_metadata: metadata.default({}),
  user_metadata: metadata.default({}),
  roles: z.array(z.string()).default([]),
});

const action = z.object({
  name: z.string().min(1),
  code: z.string().min(1),
  runtime: z.string().optional(),
  secrets: z.array(z.object({ name: z.string().min(1), value: z.string() })).default([]),
  // Auth0 allows at most 10 npm modules per Action (https://auth0.com/docs/customize/actions/limitations).
  dependencies: z.array(z.object({ name: z.string().min(1), version: z.string().optional() })).max(10).default([]),
  supported_triggers: z.array(z.object({ id: z.string(), version: z.string().optional() })).default([]),
});

const binding = z.object({ action_name: z.string().min(1), display_name: z.string().optional() });

export const tenantFileSchema = z.object({
  domain: z.string().regex(/^[^/:\s]+(:\d+)?$/, 'a host name with an optional port, without a scheme or path').optional(),
  browser_origin: z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin such as https://localhost:4443 (scheme, host and port, no path)').optional(),
  tenant: z
    .object({
      friendly_name: z.string().optional(),
      default_audience: z.string().optional(),
      allowed_logout_urls: z.array(url).default([]),
      oidc_logout: z.object({ rp_logout_end_session_endpoint_discovery: z.boolean().optional() }).optional(),
      sessions: z.object({ oidc_logout_prompt_enabled: z.boolean().optional() }).optional(),
    })
    .default({ allowed_logout_urls: [] }),
  clients: z.array(client).default([]),
  resourceServers: z.array(resourceServer).default([]),
  clientGrants: z.array(clientGrant).default([]),
  roles: z.array(role).default([]),
  users: z.array(user).default([]),
  actions: z.array(action).default([]),
  triggers: z.object({ 'post-login': z.array(binding).default([]) }).partial().default({}),
});

export type TenantFile = z.infer<typeof tenantFileSchema>;
