/**
 * What a service bound beyond loopback exposes. The services bind to 127.0.0.1 unless told otherwise; on any
 * other address anyone who reaches the ports can do what these lines say, so `dial-sandbox up` and each
 * service's main say it at start. The control token (--control-token, SANDBOX_CONTROL_TOKEN) closes the
 * /__control endpoints; the rest stays as open as the real services' public endpoints.
 */
import { CONTROL_TOKEN_ENV } from './control-token.ts';
import { SandboxError } from './sandbox-error.ts';

export type Service = 'idp' | 'models' | 'core';

const CONTROLS: Record<Service, string> = {
  idp: 'mock-idp: mint an access token for any user with any claims and roles, signed with the tenant key (POST /__control/tokens); read every token it issued (/__control/log); reset users and roles, switch fault scenarios on, move the clock (/__control/reset, /scenario, /clock)',
  models: 'mock-models: read every request the stub models received, prompts and upstream keys included; set faults; reset them (/__control/models/…, /__control/reset)',
  core: 'mock-core: read every request Core decided, with the caller and its token (/__control/log)',
};

const ALWAYS_OPEN: Record<Service, string> = {
  idp: 'mock-idp: log in as any tenant user and use the Management API (tenant.yaml\'s passwords and client secrets are no secret)',
  models: 'mock-models: the stub models, with the upstream keys of models.yaml',
  core: 'mock-core: the models, for anyone with a token from the IdP or an API key of aidial.config.json',
};

export function isLoopback(host: string): boolean {
  const address = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return address === 'localhost' || address === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(address);
}

/** The warning for a host beyond loopback (undefined on loopback): what anyone who reaches the ports can do. */
export function exposureWarning(host: string, services: readonly Service[], controlToken: string | undefined): string | undefined {
  if (isLoopback(host)) return undefined;
  const where = host === '0.0.0.0' || host === '::' ? `${host}, every network interface` : host;
  const list = (items: Record<Service, string>) => services.map((service) => `  - ${items[service]}`);
  return [
    `WARNING: listening on ${where}, not on loopback only. Anyone who can reach these ports can:`,
    ...(controlToken ? [] : list(CONTROLS)),
    ...list(ALWAYS_OPEN),
    controlToken
      ? 'The /__control endpoints (minting tokens, logs, recorded requests, reset, scenarios, clock, faults) want the control token.'
      : `The /__control endpoints answer anyone: start with --control-token <token> (or ${CONTROL_TOKEN_ENV}) to make them want it.`,
  ].join('\n');
}

/** The control token as given (empty: none); sent in a header, so visible ASCII without spaces only. */
export function controlTokenFrom(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!/^[\x21-\x7e]+$/.test(value)) throw new SandboxError('ERR_SANDBOX_DEFINITION', `The control token must be visible ASCII characters without spaces (it travels in an Authorization header); ${CONTROL_TOKEN_ENV} or --control-token has others.`);
  return value;
}
