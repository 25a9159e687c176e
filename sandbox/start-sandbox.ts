/**
 * startSandbox: the whole environment in this process, for other projects' test suites. Ports are free
 * ones unless given; `await using` (or `stop()`) ends it.
 *
 * @example
 *   await using sandbox = await startSandbox('environments/auth0-tutorial');
 *   const token = await sandbox.token('alice@example.com');
 *   const answer = await fetch(`${sandbox.coreUrl}/openai/models`, { headers: { authorization: `Bearer ${token}` } });
 */
import type { Clock } from '../common/clock.ts';
import { DEFAULT_ENVIRONMENT } from '../common/environment-folder.ts';
import { SandboxError } from '../common/sandbox-error.ts';
import type { Core } from '../mock-core/core.ts';
import type { Idp } from '../mock-idp/idp.ts';
import type { TenantUser } from '../mock-idp/tenant.ts';
import type { Models } from '../mock-models/models.ts';
import { loadEnvironment, type Environment } from './environment.ts';
import { startEnvironment, type ServiceOptions } from './start-environment.ts';

export interface StartedSandbox extends AsyncDisposable {
  environment: Environment;
  idp: Idp;
  models: Models;
  core: Core | undefined;
  /** `https://<domain>/` */
  issuer: string;
  idpUrl: string;
  modelsUrl: string;
  /** Undefined when the environment has no core/ settings. */
  coreUrl: string | undefined;
  /** The CA to trust (NODE_EXTRA_CA_CERTS) for the IdP's HTTPS port. */
  caFile: string;
  /** The clock the IdP and mock-core share: yours if you passed one, else a SandboxClock (freeze, advance, reset). */
  clock: Clock;
  /** An access token for a tenant user, from a real password grant (the API audience by default). */
  token(email: string, options?: TokenOptions): Promise<string>;
  stop(): Promise<void>;
}

export interface TokenOptions {
  /** Default: the tenant's default audience, else its first API. */
  audience?: string;
  /** Default: the first application that may use the password grant. */
  clientId?: string;
  scope?: string;
}

/** Free ports everywhere unless the caller names them. */
const TEST_PORTS: ServiceOptions = { idpHttpPort: 0, idpHttpsPort: 0, modelsPort: 0, corePort: 0 };

export async function startSandbox(environment: string | Environment = DEFAULT_ENVIRONMENT, options: ServiceOptions = {}): Promise<StartedSandbox> {
  const loaded = typeof environment === 'string' ? loadEnvironment(environment) : environment;
  const running = await startEnvironment(loaded, { ...TEST_PORTS, ...options });
  const { idp, models, core } = running;
  return {
    environment: loaded,
    idp,
    models,
    core,
    issuer: idp.issuer,
    idpUrl: idp.httpUrl,
    modelsUrl: models.url,
    coreUrl: core?.url,
    caFile: idp.caFile,
    clock: running.clock,
    // The users as they are now, Management API changes included.
    token: (email, tokenOptions) => passwordGrant(loaded, idp.httpUrl, email, tokenOptions, idp.accounts.all),
    stop: running.stop,
    [Symbol.asyncDispose]: running.stop,
  };
}

export async function passwordGrant(environment: Environment, idpUrl: string, email: string, options: TokenOptions = {}, users: readonly TenantUser[] = environment.tenant.users): Promise<string> {
  const { tenant } = environment;
  const client = options.clientId
    ? tenant.clients.find((c) => c.client_id === options.clientId)
    : tenant.clients.find((c) => c.grant_types.includes('password'));
  if (!client) throw new SandboxError('ERR_SANDBOX_DEFINITION', options.clientId ? `No client ${options.clientId} in the tenant.` : 'No application of the tenant has the password grant; add "password" to the grant_types of one.');
  const user = users.find((u) => u.email.toLowerCase() === email.toLowerCase());
  if (!user) throw new SandboxError('ERR_SANDBOX_DEFINITION', `No user ${email} in the tenant; the users are: ${users.map((u) => u.email).join(', ')}.`);
  const audience = options.audience ?? tenant.default_audience ?? tenant.resource_servers[0]?.identifier;
  const response = await fetch(`${idpUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', client_id: client.client_id, client_secret: client.client_secret, username: user.email, password: user.password, audience, scope: options.scope }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!body.access_token) throw new SandboxError('ERR_SANDBOX_DEFINITION', `The IdP refused the token for ${email}: ${response.status} ${body.error}: ${body.error_description}`);
  return body.access_token;
}
