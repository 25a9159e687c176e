/** The services' ports as the command line reads them, and two services given one port. */
import { InvalidArgumentError } from 'commander';

import { SandboxError } from '../common/sandbox-error.ts';
import { CORE_DEFAULTS } from '../mock-core/defaults.ts';
import { IDP_DEFAULTS } from '../mock-idp/defaults.ts';
import { MODELS_DEFAULTS } from '../mock-models/defaults.ts';

export interface Ports {
  idpHttpPort?: number;
  idpHttpsPort?: number;
  modelsPort?: number;
  corePort?: number;
  /** The web console's; undefined with `console: false`, when it does not start. */
  consolePort?: number;
}

/**
 * A port option's value. Commander reports an InvalidArgumentError as one line naming the option and the
 * value (`option '--core-port <port>' argument 'abc' is invalid. …`); any other error would be a stack trace.
 */
export function toPort(value: string): number {
  // Digits only: Number() would also take 0x1F90, 8e3 and " 80 ".
  const port = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port > 65_535) throw new InvalidArgumentError('A port is a whole number from 0 to 65535 (0: a free one).');
  return port;
}

/**
 * Two services that would listen on one port, named by their options (defaults filled in), or undefined.
 * Checked before anything listens: else the second service's EADDRINUSE reads like another sandbox running.
 * Port 0 is a free port of its own for each service, so it never clashes; mock-core counts only when it starts.
 */
export function portClash(ports: Ports, withCore: boolean): string | undefined {
  const given: [string, number][] = [
    ['--idp-http-port', ports.idpHttpPort ?? IDP_DEFAULTS.httpPort],
    ['--idp-https-port', ports.idpHttpsPort ?? IDP_DEFAULTS.httpsPort],
    ['--models-port', ports.modelsPort ?? MODELS_DEFAULTS.port],
    ...(withCore ? [['--core-port', ports.corePort ?? CORE_DEFAULTS.port] as [string, number]] : []),
    ...(ports.consolePort !== undefined ? [['--console-port', ports.consolePort] as [string, number]] : []),
  ];
  for (const [i, [option, port]] of given.entries()) {
    const other = given.slice(i + 1).find(([, p]) => p === port && port !== 0);
    if (other) return `${option} and ${other[0]} are both ${port}`;
  }
  return undefined;
}

/** portClash as the error that stops a start. */
export function refusePortClash(ports: Ports, withCore: boolean): void {
  const clash = portClash(ports, withCore);
  if (clash) throw new SandboxError('ERR_SANDBOX_DEFINITION', `${clash}: each service needs a port of its own. Give one of them another (dial-sandbox up --help lists the port options and their defaults).`);
}
