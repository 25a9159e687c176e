/**
 * Starts an environment's services in this process: mock-idp, mock-models and (when the folder has Core
 * settings) mock-core, with Core's files pointed at where the other two really run.
 */
import { resolve } from 'node:path';

import { SandboxClock, type Clock } from '../common/clock.ts';
import { createConsole, type SandboxConsole } from '../console/console.ts';
import { createCore, type Core, type CoreOptions } from '../mock-core/core.ts';
import type { JsonObject } from '../mock-core/json-merge.ts';
import { parseSettings } from '../mock-core/settings.ts';
import { IDP_DEFAULTS } from '../mock-idp/defaults.ts';
import { createIdp, type Idp } from '../mock-idp/idp.ts';
import { createModels, type Models } from '../mock-models/models.ts';
import { addressRewrites, rewriteAddresses } from './addresses.ts';
import type { Environment } from './environment.ts';
import { refusePortClash } from './ports.ts';

export interface ServiceOptions {
  stateDir?: string;
  /**
   * One clock for the IdP (token iat/exp) and mock-core (expiry checks, JWK cache lifetimes, limit windows).
   * Default: a SandboxClock, which runs with the system clock until /__control/clock freezes or moves it.
   */
  clock?: Clock;
  host?: string;
  /** With one, every /__control endpoint of every service wants it (Authorization: Bearer <token>). */
  controlToken?: string;
  idpHttpPort?: number;
  idpHttpsPort?: number;
  modelsPort?: number;
  corePort?: number;
  /** The web console's port (0: a free one); without one, no console starts. Always on loopback. */
  consolePort?: number;
}

export interface RunningEnvironment {
  idp: Idp;
  models: Models;
  core?: Core;
  console?: SandboxConsole;
  clock: Clock;
  stop(): Promise<void>;
}

export async function startEnvironment(environment: Environment, options: ServiceOptions = {}): Promise<RunningEnvironment> {
  refusePortClash(options, environment.core !== undefined);
  const running: Partial<RunningEnvironment> = {};
  const clock = options.clock ?? new SandboxClock();
  const stop = async () => {
    await running.console?.stop();
    await Promise.all([running.core?.stop(), running.models?.stop(), running.idp?.stop()]);
  };
  try {
    const { host, controlToken } = options;
    running.idp = await createIdp({ tenant: environment.tenant, stateDir: options.stateDir, host, httpPort: options.idpHttpPort, httpsPort: options.idpHttpsPort, clock, controlToken });
    running.models = await createModels({ models: environment.models, host, port: options.modelsPort, controlToken });
    if (environment.core) {
      // Beside the IdP's state: `dial-sandbox reset` clears both.
      running.core = await startCore(environment, { idp: running.idp, models: running.models, clock }, { host, port: options.corePort, stateDir: resolve(options.stateDir ?? IDP_DEFAULTS.stateDir), controlToken });
    }
    if (options.consolePort !== undefined) {
      const { idp, models, core } = running;
      running.console = await createConsole({ idp, models, core, clock }, { port: options.consolePort, host, controlToken }).catch((error: NodeJS.ErrnoException) => {
        // Say which port: the console's is the one a developer is least likely to know is taken.
        if (error.code === 'EADDRINUSE') error.message += ` (the console's: --console-port <port> takes another, --no-console none)`;
        throw error;
      });
    }
  } catch (error) {
    await stop(); // nothing half-started stays listening
    throw error;
  }
  return { idp: running.idp, models: running.models, core: running.core, console: running.console, clock, stop };
}

/**
 * A mock-core on the environment's Core files, with their addresses of the IdP and the stub models pointed
 * at where these really run (the files on disk unchanged). Without a state folder it stores in memory.
 */
export function startCore(
  environment: Environment,
  running: { idp: Idp; models: Models; clock: Clock },
  options: Pick<CoreOptions, 'host' | 'port' | 'stateDir' | 'controlToken' | 'log'> = {},
): Promise<Core> {
  const core = environment.core!;
  const rewrites = addressRewrites({ idpHttpUrl: running.idp.httpUrl, idpHttpsUrl: running.idp.httpsUrl, modelsUrl: running.models.url });
  return createCore({
    settings: parseSettings(rewriteAddresses(core.settings.raw, rewrites)),
    config: { baseDir: core.dir, rewrite: (tree: JsonObject) => rewriteAddresses(tree, rewrites) },
    clock: running.clock,
    ...options,
  });
}
