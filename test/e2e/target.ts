/**
 * The target an end-to-end file runs against, chosen by SANDBOX_TARGET: `embedded` (the default: the
 * environment in this process), `compose` (compose.yaml with the real DIAL Core and Chat images, through
 * testcontainers) or `external` (an IdP and a DIAL Core already running elsewhere — a real Core wired to the
 * sandbox's IdP and stub models, a user's own deployment — named by SANDBOX_IDP_URL and SANDBOX_CORE_URL).
 * The flows are written once against this interface; what a target cannot do yet is a reason, and the
 * tests that need it are skipped with that reason in their title.
 */
import { fileURLToPath } from 'node:url';

import type { StartedSandbox } from '../../sandbox/index.ts';
import { passwordGrant, startSandbox } from '../../sandbox/start-sandbox.ts';
import { loadEnvironment, type Environment } from '../../sandbox/environment.ts';
import { privateStateDir } from '../support/sandbox-helpers.ts';

export interface Target {
  name: 'embedded' | 'compose' | 'compose-lite' | 'external';
  environment: Environment;
  /** Where token requests go (the IdP's plain-HTTP port). */
  idpUrl: string;
  issuer: string;
  coreUrl: string;
  token(email: string, options?: { audience?: string; scope?: string }): Promise<string>;
  /** The embedded sandbox, for what only it can do (sign with its key in place, reach the stub models). */
  embedded?: StartedSandbox;
  /** Where a browser reaches the real DIAL Chat, on the targets that run one, and the CA of its IdP's login page. */
  chat?: { url: string; caFile: string };
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TARGET_NAME = (process.env.SANDBOX_TARGET ?? 'embedded') as Target['name'];
/** The compose targets and their files: the real Core and Chat, or the real Chat against mock-core. */
const COMPOSE_FILES: Partial<Record<Target['name'], string>> = { compose: 'compose.yaml', 'compose-lite': 'compose.lite.yaml' };
/** Whether the target is one of the compose files (the real DIAL Chat, in containers). */
export const COMPOSE_TARGET = TARGET_NAME in COMPOSE_FILES;

/** Why the chosen target cannot run here, or undefined when it can. */
export async function targetUnavailable(): Promise<string | undefined> {
  if (TARGET_NAME === 'external') return externalUnavailable();
  if (!COMPOSE_TARGET) return undefined;
  const { getContainerRuntimeClient } = await import('testcontainers');
  return getContainerRuntimeClient().then(
    () => undefined,
    (error: Error) => `no Docker engine answers (${error.message.split('\n')[0]})`,
  );
}

/** The external target's addresses: SANDBOX_IDP_URL (the IdP's token endpoint origin) and SANDBOX_CORE_URL. */
export const EXTERNAL = { idpUrl: process.env.SANDBOX_IDP_URL, coreUrl: process.env.SANDBOX_CORE_URL, environment: process.env.SANDBOX_ENV, chatUrl: process.env.SANDBOX_CHAT_URL, caFile: process.env.SANDBOX_CA_FILE };

async function externalUnavailable(): Promise<string | undefined> {
  if (!EXTERNAL.idpUrl || !EXTERNAL.coreUrl) return 'SANDBOX_IDP_URL and SANDBOX_CORE_URL must name the running IdP and DIAL Core';
  for (const url of [`${EXTERNAL.idpUrl}/.well-known/openid-configuration`, `${EXTERNAL.coreUrl}/health`]) {
    const answer = await fetch(url).catch((error: Error) => error);
    if (answer instanceof Error || !answer.ok) return `${url} does not answer (${answer instanceof Error ? answer.message : answer.status})`;
  }
  return undefined;
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
  if (TARGET_NAME === 'external') return startExternal();
  return COMPOSE_TARGET ? startCompose(COMPOSE_FILES[TARGET_NAME]!) : startEmbedded(options);
}

/** Nothing to start: the IdP and Core run already; tokens are real password grants at the IdP. */
async function startExternal(): Promise<Target> {
  const environment = loadEnvironment(EXTERNAL.environment ?? `${ROOT}environments/auth0-tutorial`);
  const idpUrl = EXTERNAL.idpUrl!;
  const { issuer } = (await (await fetch(`${idpUrl}/.well-known/openid-configuration`)).json()) as { issuer: string };
  return {
    name: 'external',
    environment,
    idpUrl,
    issuer,
    coreUrl: EXTERNAL.coreUrl!,
    token: (email, options) => passwordGrant(environment, idpUrl, email, options),
    chat: EXTERNAL.chatUrl ? { url: EXTERNAL.chatUrl, caFile: EXTERNAL.caFile ?? process.env.NODE_EXTRA_CA_CERTS! } : undefined,
    stop: async () => {},
  };
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

/** compose.yaml's host ports: the shell's SANDBOX_*_PORT, else compose's defaults (its header lists them). */
const COMPOSE_PORTS = {
  SANDBOX_CHAT_PORT: process.env.SANDBOX_CHAT_PORT || '3000',
  SANDBOX_IDP_PORT: process.env.SANDBOX_IDP_PORT || '4443',
  SANDBOX_IDP_HTTP_PORT: process.env.SANDBOX_IDP_HTTP_PORT || '4000',
  SANDBOX_CORE_PORT: process.env.SANDBOX_CORE_PORT || '8080',
};

async function startCompose(file: string): Promise<Target> {
  const { DockerComposeEnvironment, Wait } = await import('testcontainers');
  const environment = loadEnvironment(`${ROOT}environments/auth0-tutorial`);
  const compose = await new DockerComposeEnvironment(ROOT, file)
    .withEnvironment(COMPOSE_PORTS)
    .withBuild()
    .withWaitStrategy('chat-1', Wait.forHealthCheck())
    .withStartupTimeout(300_000)
    .up();
  const idpUrl = `http://127.0.0.1:${COMPOSE_PORTS.SANDBOX_IDP_HTTP_PORT}`;
  return {
    name: TARGET_NAME,
    environment,
    idpUrl,
    issuer: 'https://dial-sandbox.eu.auth0.com/',
    coreUrl: `http://127.0.0.1:${COMPOSE_PORTS.SANDBOX_CORE_PORT}`,
    // The IdP keeps its state, the CA included, on the host (compose.yaml mounts .sandbox/compose).
    chat: { url: `http://localhost:${COMPOSE_PORTS.SANDBOX_CHAT_PORT}`, caFile: `${ROOT}.sandbox/compose/tls/ca.pem` },
    token: (email, options) => passwordGrant(environment, idpUrl, email, options),
    stop: async () => {
      await compose.down();
    },
  };
}
