/** What `dial-sandbox up` prints once everything listens: what runs where, and how to use it. */
import { dirname, relative, resolve } from 'node:path';

import { CONTROL_TOKEN_ENV } from '../common/control-token.ts';
import { DEFAULT_ENVIRONMENT } from '../common/environment-folder.ts';
import type { Idp } from '../mock-idp/idp.ts';
import { defaultAudience, passwordGrantBody, passwordGrantClient, type TenantUser } from '../mock-idp/tenant.ts';
import { IDP_DEFAULTS } from '../mock-idp/defaults.ts';
import { hasAccess } from '../mock-core/access.ts';
import type { Core } from '../mock-core/core.ts';
import { CORE_DEFAULTS } from '../mock-core/defaults.ts';
import { SETTING_PREFIXES } from '../mock-core/vertx-env.ts';
import type { Models } from '../mock-models/models.ts';
import type { Environment } from './environment.ts';

export interface SummaryInput {
  environment: Environment;
  idp: Idp;
  models: Models;
  core?: Core;
  /** The web console, when it started. */
  console?: { url: string };
  controlToken: boolean;
  startedInMs: number;
  /** Where the `aidial.*` variables in force are read: the process environment, as loadEnvironment read Core's settings. */
  env?: Record<string, string | undefined>;
}

export function printSummary(input: SummaryInput): void {
  process.stdout.write(formatSummary(input));
}

export function formatSummary({ environment, idp, models, core, console, controlToken, startedInMs, env = process.env }: SummaryInput): string {
  const { tenant } = environment;
  // The users as the running IdP has them: tenant.yaml's, or the Management API's changes kept in the state folder.
  const users = idp.accounts.all;
  const show = (path: string) => relative(process.cwd(), path) || '.';
  const lines = [
    `dial-auth-sandbox: ${show(environment.dir)} is up (${startedInMs} ms)`,
    '',
    'mock-idp (Auth0-compatible)',
    `  issuer     ${idp.issuer}`,
    `  https      ${idp.httpsUrl}    http ${idp.httpUrl}`,
    `  discovery  ${idp.httpsUrl}/.well-known/openid-configuration`,
    `  apis       ${tenant.resource_servers.map((r) => r.identifier).join(', ') || 'none'}${tenant.default_audience ? ` (default audience ${tenant.default_audience})` : ''}`,
    `  clients    ${tenant.clients.map((c) => `${c.client_id} (${c.grant_types.join(', ')})`).join('; ')}`,
    `  actions    post-login: ${tenant.post_login_actions.map((a) => a.name).join(' → ') || 'none'}`,
    `  management ${idp.httpsUrl}/api/v2 (audience ${idp.issuer}api/v2/; signing keys)`,
    '',
    'mock-models (OpenAI-compatible stubs)',
    `  url        ${models.url}    control ${models.url}/__control/models`,
    ...models.definitions.map((m) => `  ${m.name.padEnd(24)} ${m.kind.padEnd(10)} ${m.reply.kind.padEnd(8)} ${m.upstreamKey ? `key ${m.upstreamKey}` : 'no key'}`),
    `  e.g.       ${models.url}/v1/openai/deployments/${models.definitions[0]?.name ?? '<name>'}/chat/completions`,
    '',
    ...(core && environment.core ? coreLines(environment, core, users, env, show) : []),
    ...(console ? consoleLines(console.url, controlToken) : []),
    'users (the IdP\'s directory in force)',
    ...users.map((u) => `  ${u.email.padEnd(24)} password ${u.password.padEnd(10)} roles ${u.roles.join(', ') || '(none)'}`),
    ...directoryDrift(tenant.users, users, { idp, core }),
    '',
    'trust the sandbox CA (Auth0 SDKs require HTTPS):',
    `  export NODE_EXTRA_CA_CERTS=${shellQuoted(idp.caFile)}`,
    `  npx dial-sandbox trust --state-dir ${shellQuoted(dirname(dirname(idp.caFile)))}     # browsers: the login page without a warning`,
    '',
    ...(controlToken ? [`every /__control endpoint wants the control token: Authorization: Bearer <token> (the CLI sends --control-token or $${CONTROL_TOKEN_ENV})`, ''] : []),
    'try:',
    ...tryLines(environment, idp, users),
    '',
    'Ctrl-C stops.',
  ];
  return `${lines.join('\n')}\n`;
}

function consoleLines(url: string, controlToken: boolean): string[] {
  return [
    'console (in a browser: who may call what and why, tokens read as Core reads them, the three logs live, faults, clock, try it)',
    `  url        ${url}    loopback only${controlToken ? '; asks for the control token once, then keeps a session cookie' : ''} (--no-console: none)`,
    '',
  ];
}

function coreLines(environment: Environment, core: Core, users: readonly TenantUser[], env: Record<string, string | undefined>, show: (path: string) => string): string[] {
  const settings = environment.core!;
  const config = core.config.current;
  const who = (userRoles: readonly string[] | undefined) => (userRoles === undefined ? '   [no userRoles: everyone]' : userRoles.length ? `   [userRoles ${userRoles.join(', ')}]` : '   [userRoles []: nobody]');
  const models = [...config.models.values()];
  return [
    'mock-core (emulated DIAL Core 0.39)',
    `  url        ${core.url}`,
    // AIDIAL_SETTINGS names the file when set, as for Core (sandbox/environment.ts reads it so).
    `  settings   ${env.AIDIAL_SETTINGS ? show(env.AIDIAL_SETTINGS) : `${show(settings.dir)}/aidial.settings.json`}`,
    ...variableLines(env),
    `  config     ${settings.settings.configFiles.join(', ')} (in ${show(settings.dir)})`,
    '  who may use which model (mock-core\'s own userRoles rule, with each user\'s roles in the directory):',
    ...models.map((m) => {
      const allowed = users.filter((u) => hasAccess(m.userRoles, u.roles)).map((u) => u.email);
      return `    ${m.name.padEnd(24)} ${allowed.length ? allowed.join(', ') : '(nobody)'}${who(m.userRoles)}`;
    }),
    // API keys pass the same rule with their roles (`roles` and `role` together), sent as the Api-Key header.
    ...(config.keys.size
      ? [
          '  API keys (header Api-Key; the same rule with the key\'s roles):',
          ...[...config.keys].map(([key, { project, roles }]) => {
            const allowed = models.filter((m) => hasAccess(m.userRoles, roles)).map((m) => m.name);
            return `    ${key.padEnd(24)} project ${project}, roles ${roles.join(', ')}: ${allowed.length ? allowed.join(', ') : '(no model)'}`;
          }),
        ]
      : []),
    '',
  ];
}

/** A setting whose name says it is a secret, or a JSON value (object or list) with such a key, is shown masked. */
const SECRET_NAME = /secret|key|password|salt|token|credential/i;

/**
 * The `aidial.*` (and legacy `proxy.*`) variables over the settings file, as mock-core read them at start:
 * a `proxy.` one that an `aidial.` one of the same key overrides is marked so.
 */
function variableLines(env: Record<string, string | undefined>): string[] {
  const variables = Object.entries(env).filter(([name, value]) => value !== undefined && SETTING_PREFIXES.some((p) => name.startsWith(p)));
  if (!variables.length) return ['  variables  none (no aidial.* variable in the environment)'];
  variables.sort(([a], [b]) => a.localeCompare(b));
  return variables.map(([name, value], index) => {
    const shown = SECRET_NAME.test(name) || (/^\s*[{[]/.test(value!) && SECRET_NAME.test(value!)) ? '***' : withoutUrlPassword(value!);
    const overridden = name.startsWith('proxy.') && env[`aidial.${name.slice('proxy.'.length)}`] !== undefined;
    return `  ${index === 0 ? 'variables ' : '          '} ${name}=${shown}${overridden ? `   [overridden by aidial.${name.slice('proxy.'.length)}]` : ''}`;
  });
}

/** A URL's password (redis://:pw@host, a proxy's user:pw@) masked; any other value as it is. */
function withoutUrlPassword(value: string): string {
  return value.replace(/^([a-z][\w+.-]*:\/\/[^/@:\s]*:)[^/@\s]*@/i, '$1***@');
}

/**
 * One line when the directory in force is not tenant.yaml's (Management API changes kept in the state
 * folder, or tenant.yaml edited since they were made): who is only in one of them, or whose password or
 * roles differ. tenant.yaml's users missing from the directory cannot log in until a reset.
 */
function directoryDrift(defined: readonly TenantUser[], inForce: readonly TenantUser[], running: { idp: Idp; core?: Core }): string[] {
  const byEmail = (list: readonly TenantUser[]) => new Map(list.map((u) => [u.email.toLowerCase(), u]));
  const definedUsers = byEmail(defined);
  const inForceUsers = byEmail(inForce);
  const added = inForce.filter((u) => !definedUsers.has(u.email.toLowerCase())).map((u) => u.email);
  const missing = defined.filter((u) => !inForceUsers.has(u.email.toLowerCase())).map((u) => u.email);
  const changed = inForce.filter((u) => {
    const d = definedUsers.get(u.email.toLowerCase());
    // Roles are a set: the same ones in another order are no change.
    return d && (d.password !== u.password || [...d.roles].sort().join('\n') !== [...u.roles].sort().join('\n'));
  }).map((u) => u.email);
  if (!added.length && !missing.length && !changed.length) return [];
  const differences = [
    ...(added.length ? [`not in tenant.yaml: ${added.join(', ')}`] : []),
    ...(missing.length ? [`in tenant.yaml but not here, so they cannot log in: ${missing.join(', ')}`] : []),
    ...(changed.length ? [`password or roles changed: ${changed.join(', ')}`] : []),
  ];
  return [`  ! not tenant.yaml's users (Management API changes kept in the state folder): ${differences.join('; ')}. \`npx dial-sandbox reset${whereRunning(running)}\` takes tenant.yaml's users again (and forgets mock-core's stored resources).`];
}

/**
 * A first token: a real password grant with an application that may use it (its secret when it has one),
 * else a token minted with the tenant key for a user, else an M2M token.
 */
function tryLines(environment: Environment, idp: Idp, users: readonly TenantUser[]): string[] {
  const { tenant } = environment;
  const audience = defaultAudience(tenant);
  const user = users[0];
  // The application `dial-sandbox token` takes too; a public one (token_endpoint_auth_method none) sends no secret.
  const client = passwordGrantClient(tenant);
  if (client && user) {
    return [`  curl -s ${idp.httpUrl}/oauth/token -H 'content-type: application/json' \\`, `    -d ${shellQuoted(JSON.stringify(passwordGrantBody(client, user, audience)))}`];
  }
  // The mint endpoint stands in for a login with an interactive application: the Post-Login Actions still run.
  const interactive = tenant.clients.find((c) => c.grant_types.includes('authorization_code'));
  if (user && interactive) {
    return [
      `  npx dial-sandbox token --user ${user.email} --lifetime 3600 --decode${whereRunning({ idp }, environment)}`,
      '  (minted with the tenant key: no application has the password grant, add "password" to one\'s grant_types for a real login from the command line)',
    ];
  }
  const machine = tenant.clients.find((c) => c.grant_types.includes('client_credentials'));
  if (machine) return [`  npx dial-sandbox token --client ${machine.client_id} --decode${whereRunning({ idp }, environment)}`, '  (an M2M token: no application logs users in)'];
  return ['  no application of the tenant issues tokens; add one with the password grant to tenant.yaml'];
}

/**
 * The CLI's commands talk to the default ports and read the default environment; a sandbox elsewhere has to
 * be named (--idp, --core), and another environment too (--env, for the tenant and the rolePath).
 */
function whereRunning(running: { idp: Idp; core?: Core }, environment?: Environment): string {
  const idp = running.idp.httpUrl === `http://${IDP_DEFAULTS.host}:${IDP_DEFAULTS.httpPort}` ? '' : ` --idp ${running.idp.httpUrl}`;
  const core = !running.core || running.core.url === `http://${CORE_DEFAULTS.host}:${CORE_DEFAULTS.port}` ? '' : ` --core ${running.core.url}`;
  const env = !environment || resolve(environment.dir) === resolve(DEFAULT_ENVIRONMENT) ? '' : ` --env ${shellQuoted(environment.dir)}`;
  return idp + core + env;
}

/** A word as a shell takes it whole, spaces and quotes and all: in single quotes, each ' written '\\''. */
const shellQuoted = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
