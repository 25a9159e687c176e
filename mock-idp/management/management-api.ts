/**
 * The tenant's built-in "Auth0 Management API": a resource server every tenant has, at
 * `https://<domain>/api/v2/`. Tenant files name it as Auth0 Deploy CLI exports do, with the domain as the
 * keyword `##AUTH0_DOMAIN##`, because the sandbox's domain is only known once the IdP listens.
 */
import type { ResourceServer, Tenant } from '../tenant.ts';

export const MANAGEMENT_AUDIENCE_KEYWORD = 'https://##AUTH0_DOMAIN##/api/v2/';

/** The scopes this subset checks (Auth0's names). */
export const MANAGEMENT_SCOPES = [
  'read:users',
  'create:users',
  'update:users',
  'delete:users',
  'read:roles',
  'create:roles',
  'update:roles',
  'delete:roles',
  'read:role_members',
  'create:role_members',
  'delete:role_members',
  'read:signing_keys',
  'create:signing_keys',
  'update:signing_keys',
] as const;

export type ManagementScope = (typeof MANAGEMENT_SCOPES)[number];

export const managementAudience = (issuer: string): string => `${issuer}api/v2/`;

/** The tenant with its Management API added and the domain keyword in client grants resolved. */
export function withManagementApi(tenant: Tenant, issuer: string): Tenant {
  const audience = managementAudience(issuer);
  const api: ResourceServer = { name: 'Auth0 Management API', identifier: audience, scopes: [...MANAGEMENT_SCOPES], token_lifetime: 86_400, allow_offline_access: false };
  return {
    ...tenant,
    resource_servers: [...tenant.resource_servers.filter((r) => r.identifier !== audience), api],
    client_grants: tenant.client_grants.map((g) => (g.audience === MANAGEMENT_AUDIENCE_KEYWORD ? { ...g, audience } : g)),
  };
}
