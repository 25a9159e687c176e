/** `dial-sandbox`: the command line. Each command is a thin shell over the library. */
import { Command } from 'commander';

import { ConfigLoadError } from '../mock-core/config.ts';
import { CORE_DEFAULTS } from '../mock-core/defaults.ts';
import { IDP_DEFAULTS } from '../mock-idp/defaults.ts';
import { MODELS_DEFAULTS } from '../mock-models/defaults.ts';
import { DEFAULT_ENVIRONMENT, loadEnvironment } from './environment.ts';
import { SandboxError } from './errors.ts';
import { startEnvironment, type ServiceOptions } from './start-environment.ts';
import { printSummary } from './summary.ts';

const program = new Command('dial-sandbox')
  .description('An offline test environment for AI DIAL behind Auth0.')
  .showHelpAfterError();

program
  .command('up', { isDefault: true })
  .description('run an environment in the foreground until Ctrl-C')
  .argument('[env-dir]', 'environment folder', DEFAULT_ENVIRONMENT)
  .option('--state-dir <dir>', 'where the CA, certificates and signing keys are kept', IDP_DEFAULTS.stateDir)
  .option('--host <address>', 'address to listen on', IDP_DEFAULTS.host)
  .option('--idp-http-port <port>', 'mock-idp HTTP port', toPort, IDP_DEFAULTS.httpPort)
  .option('--idp-https-port <port>', 'mock-idp HTTPS port', toPort, IDP_DEFAULTS.httpsPort)
  .option('--models-port <port>', 'mock-models port', toPort, MODELS_DEFAULTS.port)
  .option('--core-port <port>', 'mock-core port', toPort, CORE_DEFAULTS.port)
  .action(async (envDir: string, options: ServiceOptions & { stateDir: string }) => {
    const started = Date.now();
    const environment = loadEnvironment(envDir);
    const running = await startEnvironment(environment, options);
    printSummary({ environment, ...running, startedInMs: Date.now() - started });
    const stop = async (signal: string) => {
      process.stderr.write(`\n[sandbox] ${signal}: stopping.\n`);
      await running.stop();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

function toPort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`"${value}" is not a port number (0-65535)`);
  return port;
}

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof SandboxError) {
    process.stderr.write(`[sandbox] ${error.message}\n`);
  } else if (error instanceof ConfigLoadError) {
    process.stderr.write(`[sandbox] DIAL Core would not start: its dynamic settings do not load: ${error.message}\n`);
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(`[sandbox] ${(error as Error).message}: another sandbox may be running. Stop it, or choose other ports (--help).\n`);
  } else {
    process.stderr.write(`[sandbox] ${(error as Error).stack}\n`);
  }
  process.exit(1);
}
