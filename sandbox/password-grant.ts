/**
 * An access token from a real password grant at a running IdP, for a user whose password is known. Apart from
 * startSandbox's service code, so that `dial-sandbox token` does not load the IdP's (and oidc-provider's) code.
 */
import { SandboxError } from '../common/sandbox-error.ts';
import { defaultAudience, passwordGrantBody, passwordGrantClient, type TenantUser } from '../mock-idp/tenant.ts';
import type { Environment } from './environment.ts';

export interface TokenOptions {
  /** Default: the tenant's default audience, else its first API. */
  audience?: string;
  /** Default: passwordGrantClient's (mock-idp/tenant.ts). */
  clientId?: string;
  scope?: string;
}

export async function passwordGrant(environment: Environment, idpUrl: string, email: string, options: TokenOptions = {}, users: readonly TenantUser[] = environment.tenant.users): Promise<string> {
  const { tenant } = environment;
  const client = options.clientId
    ? tenant.clients.find((c) => c.client_id === options.clientId)
    : passwordGrantClient(tenant);
  if (!client) throw new SandboxError('ERR_SANDBOX_DEFINITION', options.clientId ? `No client ${options.clientId} in the tenant.` : 'No application of the tenant has the password grant; add "password" to the grant_types of one.');
  const user = users.find((u) => u.email.toLowerCase() === email.toLowerCase());
  if (!user) throw new SandboxError('ERR_SANDBOX_DEFINITION', `No user ${email} in the tenant; the users are: ${users.map((u) => u.email).join(', ')}.`);
  const response = await fetch(`${idpUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(passwordGrantBody(client, user, options.audience ?? defaultAudience(tenant), options.scope)),
  });
  const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!body.access_token) throw new SandboxError('ERR_SANDBOX_DEFINITION', `The IdP refused the token for ${email}: ${response.status} ${body.error}: ${body.error_description}`);
  return body.access_token;
}
