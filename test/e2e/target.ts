/**
 * The target an end-to-end file runs against, chosen by SANDBOX_TARGET: `embedded` (the default: the
 * environment in this process) or `compose` (compose.yaml with the real DIAL Core and Chat images, through
 * testcontainers). The flows are written once against this interface; what a target cannot do yet is a
 * reason, and the tests that need it are skipped with that reason in their title.
 */
import { fileURLToPath } from 'node:url';

import type { StartedSandbox } from '../../sandbox/index.ts';
import { passwordGrant, startSandbox } from '../../sandbox/start-sandbox.ts';
import { loadEnvironment, type Environment } from '../../sandbox/environment.ts';
import { privateStateDir } from '../support/sandbox-helpers.ts';

export interface Target {
  name: 'embedded' | 'compose';
  environment: Environment;
  /** Where token requests go (the IdP's plain-HTTP port). */
  idpUrl: string;
  issuer: string;
  coreUrl: string;
  token(email: string, options?: { audience?: string; scope?: string }): Promise<string>;
  /** The embedded sandbox, for what only it can do (sign with its key in place, reach the stub models). */
  embedded?: StartedSandbox;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TARGET_NAME = (process.env.SANDBOX_TARGET ?? 'embedded') as Target['name'];

/** Why the compose target cannot run here, or undefined when it can. */
export async function composeUnavailable(): Promise<string | undefined> {
  if (TARGET_NAME !== 'compose') return undefined;
  const { getContainerRuntimeClient } = await import('testcontainers');
  return getContainerRuntimeClient().then(
    () => undefined,
    (error: Error) => `no Docker engine answers (${error.message.split('\n')[0]})`,
  );
}

export interface TargetOptions {
  /**
   * The flow changes the IdP's directory, so an embedded target keeps its state apart from the other files'
   * (which run at the same time and read the shared state when they start).
   */
  changesState?: boolean;
  /**
   * One more Allowed Callback URL for dial-chat: the test's own app, on a free port, as one adds an app's
   * callback to an Auth0 application. (Chat's fixed localhost:3000 may be taken by anything on the machine.)
   */
  allowCallback?: string;
}

export async function startTarget(options: TargetOptions = {}): Promise<Target> {
  return TARGET_NAME === 'compose' ? startCompose() : startEmbedded(options);
}

async function startEmbedded({ changesState = false, allowCallback }: TargetOptions): Promise<Target> {
  // The test CA, which NODE_EXTRA_CA_CERTS names for the test processes (vitest.config.ts), is in both.
  const stateDir = changesState ? privateStateDir('e2e') : process.env.SANDBOX_TEST_STATE_DIR;
  const environment = loadEnvironment();
  if (allowCallback) {
    const clients = environment.tenant.clients.map((c) => (c.client_id === 'dial-chat' ? { ...c, callbacks: [...c.callbacks, allowCallback] } : c));
    environment.tenant = { ...environment.tenant, clients };
  }
  const sandbox = await startSandbox(environment, { stateDir });
  return {
    name: 'embedded',
    environment: sandbox.environment,
    idpUrl: sandbox.idpUrl,
    issuer: sandbox.issuer,
    coreUrl: sandbox.coreUrl!,
    token: (email, options) => sandbox.token(email, options),
    embedded: sandbox,
    stop: () => sandbox.stop(),
  };
}

async function startCompose(): Promise<Target> {
  const { DockerComposeEnvironment, Wait } = await import('testcontainers');
  const environment = loadEnvironment(`${ROOT}environments/auth0-tutorial`);
  const compose = await new DockerComposeEnvironment(ROOT, 'compose.yaml')
    .withBuild()
    .withWaitStrategy('chat-1', Wait.forHealthCheck())
    .withStartupTimeout(300_000)
    .up();
  const idpUrl = 'http://127.0.0.1:4000';
  return {
    name: 'compose',
    environment,
    idpUrl,
    issuer: 'https://dial-sandbox.eu.auth0.com/',
    coreUrl: 'http://127.0.0.1:8080',
    token: (email, options) => passwordGrant(environment, idpUrl, email, options),
    stop: async () => {
      await compose.down();
    },
  };
}
