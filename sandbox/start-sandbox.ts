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
import type { Core } from '../mock-core/core.ts';
import type { Idp } from '../mock-idp/idp.ts';
import type { Models } from '../mock-models/models.ts';
import { loadEnvironment, type Environment } from './environment.ts';
import { passwordGrant, type TokenOptions } from './password-grant.ts';
import { startEnvironment, type ServiceOptions } from './start-environment.ts';

/** Here too, where the tests and the e2e targets have long found them. */
export { passwordGrant, type TokenOptions } from './password-grant.ts';

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
  /** The web console's `http://127.0.0.1:<port>/`, when `consolePort` was given (none starts otherwise). */
  consoleUrl: string | undefined;
  /** The clock the IdP and mock-core share: yours if you passed one, else a SandboxClock (freeze, advance, reset). */
  clock: Clock;
  /** An access token for a tenant user, from a real password grant (the API audience by default). */
  token(email: string, options?: TokenOptions): Promise<string>;
  stop(): Promise<void>;
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
    consoleUrl: running.console?.url,
    clock: running.clock,
    // The users as they are now, Management API changes included.
    token: (email, tokenOptions) => passwordGrant(loaded, idp.httpUrl, email, tokenOptions, idp.accounts.all),
    stop: running.stop,
    [Symbol.asyncDispose]: running.stop,
  };
}
