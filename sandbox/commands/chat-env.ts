/**
 * `dial-sandbox env --chat`: everything the real DIAL Chat needs to run against the running sandbox, as
 * environment lines that are both a `docker run --env-file` file and a Next.js `.env.local`. Docker's
 * env-file takes everything after `=` as the value (quotes and a trailing `# …` included), so values are
 * bare and every comment has a line of its own.
 */
import { createHmac, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import tls from 'node:tls';

import { DEFAULT_ENVIRONMENT } from '../../common/environment-folder.ts';
import { SandboxError } from '../../common/sandbox-error.ts';
import { hasAccess } from '../../mock-core/access.ts';
import { loadDynamicConfig } from '../../mock-core/config.ts';
import { IDP_DEFAULTS } from '../../mock-idp/defaults.ts';
import { defaultAudience, dialChatApplication } from '../../mock-idp/tenant.ts';
import type { Environment } from '../environment.ts';

/**
 * The features EPAM's advanced compose turns on for Chat 0.41.7, the version compose.yaml pins: the side
 * panels (`conversations-section`, `prompts-section`), the model picker (`top-chat-model-settings`,
 * `empty-chat-settings`) and the rest of Chat's usual screen. Names Chat does not know are ignored by it.
 * https://github.com/epam/ai-dial/blob/5e11b75881fa9251f0e9cf4bb64a10d30a6d9fac/dial-docker-compose-advanced/docker-compose-base.yml
 */
export const CHAT_FEATURES = [
  'conversations-section', 'prompts-section', 'top-settings', 'top-clear-conversation', 'top-chat-info', 'top-chat-model-settings',
  'empty-chat-settings', 'header', 'footer', 'request-api-key', 'report-an-issue', 'likes', 'conversations-sharing', 'input-files',
  'attachments-manager', 'prompts-sharing', 'prompts-publishing', 'conversations-publishing', 'custom-logo', 'input-links',
  'custom-applications', 'message-templates', 'marketplace', 'quick-apps', 'code-apps', 'applications-sharing', 'marketplace-table-view',
] as const;

export interface ChatAddresses {
  issuer: string;
  coreUrl: string;
  /** The sandbox CA, absolute, as findSandboxCa found it. */
  caFile: string;
  nextAuthSecret: string;
}

export function chatEnvLines(environment: Environment, at: ChatAddresses): string {
  const { tenant } = environment;
  const chat = dialChatApplication(tenant);
  if (!chat) throw new SandboxError('ERR_SANDBOX_DEFINITION', 'No application of the tenant can log DIAL Chat in: give one with a client_secret the authorization_code grant.');
  const audience = defaultAudience(tenant);
  if (!audience) throw new SandboxError('ERR_SANDBOX_DEFINITION', 'The tenant has no API (resourceServers): Chat\'s access tokens would be opaque, and Core refuses them (docs/auth0.md#audience).');
  const defaultModel = defaultModelOf(environment);
  return [
    '# DIAL Chat against the running dial-auth-sandbox (docs/dial-chat.md#settings): a docker --env-file, or apps/chat/.env.local',
    '# Core: mock-core. With a login, Chat sends the user\'s access token, so no DIAL_API_KEY (docs/dial-chat.md#calls-to-core).',
    `DIAL_API_HOST=${at.coreUrl}`,
    '# The Auth0 provider is registered only with all three of HOST (with its scheme), CLIENT_ID and SECRET (docs/dial-chat.md#auth0-provider).',
    `AUTH_AUTH0_HOST=${at.issuer.replace(/\/$/, '')}`,
    `AUTH_AUTH0_CLIENT_ID=${chat.client_id}`,
    `AUTH_AUTH0_SECRET=${chat.client_secret}`,
    '# Without an audience the access token is opaque, and Core refuses it (docs/auth0.md#audience).',
    `AUTH_AUTH0_AUDIENCE=${audience}`,
    '# The sign-in button\'s name (SSO by default); one word, so that a shell can `source` this file too.',
    'AUTH_AUTH0_NAME=dial-sandbox',
    '# The callback, <NEXTAUTH_URL>/api/auth/callback/auth0, is among the application\'s Allowed Callback URLs (docs/dial-chat.md#callback-url).',
    `NEXTAUTH_URL=${nextAuthUrlOf(chat.callbacks)}`,
    '# Encrypts the session cookie: derived from the sandbox\'s state folder, so it stays the same (and sessions live) across',
    '# restarts of Chat and of the sandbox, differs from machine to machine, and changes when the state folder is removed.',
    `NEXTAUTH_SECRET=${at.nextAuthSecret}`,
    '# Chat\'s server calls the IdP over HTTPS: trust the sandbox CA (mount this path into a container as it is).',
    `NODE_EXTRA_CA_CERTS=${at.caFile}`,
    '# The features EPAM\'s compose turns on for Chat 0.41.7: side panels, model picker, …',
    `ENABLED_FEATURES=${CHAT_FEATURES.join(',')}`,
    ...(defaultModel
      ? [`# Preselected for a new conversation: ${defaultModel.why}.`, `DEFAULT_MODEL=${defaultModel.name}`]
      : ['# No DEFAULT_MODEL: the environment has no Core config with models; Chat picks the first it lists.']),
    '# Conversations and prompts in Core\'s storage, Chat\'s only supported storage (docs/dial-chat.md#first-load-storage).',
    'STORAGE_TYPE=api',
    '# No THEMES_CONFIG_HOST: Chat then answers 500 for its theme images and retries the model icons without end',
    '# (harmless, noisy). EPAM\'s compose runs epam/ai-dial-chat-themes for it; set THEMES_CONFIG_HOST to one to quiet it.',
  ].join('\n');
}

/** The origin of the application's first callback at Chat's path (the tutorial's http://localhost:3000). */
function nextAuthUrlOf(callbacks: readonly string[]): string {
  const callback = callbacks.find((url) => URL.canParse(url) && new URL(url).pathname.endsWith('/api/auth/callback/auth0'));
  return callback ? callback.slice(0, callback.indexOf('/api/auth/callback/auth0')) : 'http://localhost:3000';
}

/**
 * A chat model every user of the tenant may use (mock-core's userRoles rule, with each user's tenant.yaml
 * roles), else the first chat model: a tutorial reader logging in as any user finds it in the picker.
 */
export function defaultModelOf(environment: Environment): { name: string; why: string } | undefined {
  const { core, tenant } = environment;
  if (!core) return undefined;
  const models = [...loadDynamicConfig(core.settings.configFiles.map((f) => resolve(core.dir, f))).models.values()];
  const chatModels = models.filter((m) => m.type === undefined || m.type === 'chat');
  const everyone = chatModels.find((m) => tenant.users.every((u) => hasAccess(m.userRoles, u.roles)));
  if (everyone) return { name: everyone.name, why: `the first chat model every user of tenant.yaml may use (${tenant.users.map((u) => u.email).join(', ')})` };
  const first = chatModels[0] ?? models[0];
  return first && { name: first.name, why: 'no chat model is open to every user of tenant.yaml; the first one' };
}

/**
 * The sandbox CA that signed the running IdP's HTTPS certificate. `--state-dir` is resolved against the
 * working directory; without it, `.sandbox` in the working directory and then the one beside the package
 * (where `npm start` keeps it) are tried, so `env` run from another folder still finds the right one. When
 * the IdP's HTTPS port can be reached on this machine, the CA must have signed its certificate.
 */
export async function findSandboxCa(issuer: string, stateDir: string | undefined): Promise<{ caFile: string; stateDir: string }> {
  const packageRoot = dirname(dirname(DEFAULT_ENVIRONMENT));
  const candidates = stateDir ? [resolve(stateDir)] : [...new Set([resolve(IDP_DEFAULTS.stateDir), join(packageRoot, IDP_DEFAULTS.stateDir)])];
  const existing = candidates.filter((dir) => existsSync(caFileIn(dir)));
  const served = await servedCertificate(issuer);
  const signer = existing.find((dir) => !served || signs(readFileSync(caFileIn(dir), 'utf8'), served));
  if (signer) return { caFile: caFileIn(signer), stateDir: signer };
  const looked = candidates.map((dir) => caFileIn(dir)).join(', ');
  throw new SandboxError(
    'ERR_SANDBOX_DEFINITION',
    existing.length
      ? `The CA in ${existing.map(caFileIn).join(', ')} did not sign the certificate of the IdP at ${issuer}: that IdP keeps its state elsewhere. Name its folder with --state-dir.`
      : `No sandbox CA at ${looked}. Name the running sandbox's state folder with --state-dir (the one \`dial-sandbox up\` was given, .sandbox by default).`,
  );
}

/** Stable per state folder, secret per machine: an HMAC keyed with the CA's private key, which never leaves it. */
export function nextAuthSecretFor(stateDir: string): string {
  const key = readFileSync(join(stateDir, 'tls', 'ca-key.pem'));
  return createHmac('sha256', key).update('dial-auth-sandbox NEXTAUTH_SECRET').digest('base64url');
}

const caFileIn = (stateDir: string) => join(stateDir, 'tls', 'ca.pem');

function signs(caPem: string, leaf: X509Certificate): boolean {
  const ca = new X509Certificate(caPem);
  return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
}

/** The certificate the IdP's HTTPS port presents, when the issuer names this machine; no lookup leaves it. */
function servedCertificate(issuer: string): Promise<X509Certificate | undefined> {
  const { hostname, port } = new URL(issuer);
  if (!['localhost', '127.0.0.1', '[::1]'].includes(hostname)) return Promise.resolve(undefined);
  return new Promise((done) => {
    const socket = tls.connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 443), servername: hostname === 'localhost' ? hostname : undefined, rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      done(socket.getPeerX509Certificate());
      socket.end();
    });
    socket.once('error', () => done(undefined));
    // A port that accepts and never answers is not the IdP either.
    socket.setTimeout(5_000, () => {
      socket.destroy();
      done(undefined);
    });
  });
}
