/**
 * `dial-sandbox env`: the environment lines that point DIAL Chat and DIAL Core at the running sandbox, with
 * the variable names the real images read (docs/dial-chat.md#auth0-provider, docs/auth0-tutorial.md#defects).
 */
import { defaultAudience } from '../../mock-idp/tenant.ts';
import { escapeRegex } from '../doctor/core-checks.ts';
import type { Environment } from '../environment.ts';

export interface SandboxAddresses {
  issuer: string;
  idpHttpUrl: string;
  coreUrl: string;
  caFile: string;
}

export function envLines(environment: Environment, at: SandboxAddresses): string {
  const { tenant } = environment;
  const chat = tenant.clients.find((c) => c.grant_types.includes('authorization_code')) ?? tenant.clients[0];
  const audience = defaultAudience(tenant);
  const provider = environment.core?.settings.identityProviders[0];
  return [
    '# DIAL Chat (next-auth Auth0 provider); `dial-sandbox env --chat` prints all a Chat needs to run',
    // Comments on lines of their own: an env file (docker's --env-file) would take a trailing one into the value.
    "# AUTH_AUTH0_HOST with the scheme: the tutorial's bare domain breaks discovery",
    `AUTH_AUTH0_HOST=${at.issuer.replace(/\/$/, '')}`,
    `AUTH_AUTH0_CLIENT_ID=${chat?.client_id ?? '<no application>'}`,
    '# AUTH_AUTH0_SECRET, not AUTH_AUTH0_CLIENT_SECRET, which Chat does not read',
    `AUTH_AUTH0_SECRET=${chat?.client_secret ?? '<no secret>'}`,
    `AUTH_AUTH0_AUDIENCE=${audience ?? '<no API: tokens would be opaque>'}`,
    'NEXTAUTH_URL=http://localhost:3000',
    `DIAL_API_HOST=${at.coreUrl}`,
    `NODE_EXTRA_CA_CERTS=${at.caFile}`,
    '',
    '# DIAL Core (static settings as environment variables)',
    `aidial.identityProviders.${provider?.name ?? 'auth0'}.jwksUrl=${at.idpHttpUrl}/.well-known/jwks.json`,
    `aidial.identityProviders.${provider?.name ?? 'auth0'}.rolePath=${provider?.rolePath.join(',') ?? 'dial_roles'}`,
    `aidial.identityProviders.${provider?.name ?? 'auth0'}.issuerPattern=^${escapeRegex(at.issuer)}$`,
    `aidial.identityProviders.${provider?.name ?? 'auth0'}.loggingKey=sub`,
    `aidial.identityProviders.${provider?.name ?? 'auth0'}.loggingSalt=loggingSalt`,
  ].join('\n');
}
