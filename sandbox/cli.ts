/**
 * `dial-sandbox`: the command line. Each command is a thin shell over the library. Only `up` starts services,
 * so only it loads their code (start-environment, and through it oidc-provider, which warns on Node 20 at every
 * load): the other commands stay quick and quiet.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { text } from 'node:stream/consumers';

import { Command, Option } from 'commander';

import { CONTROL_TOKEN_ENV } from '../common/control-token.ts';
import { DEFAULT_ENVIRONMENT } from '../common/environment-folder.ts';
import { controlTokenFrom, exposureWarning } from '../common/exposure.ts';
import { SandboxError } from '../common/sandbox-error.ts';
import { CORE_DEFAULTS } from '../mock-core/defaults.ts';
import { CONSOLE_DEFAULTS } from '../console/defaults.ts';
import { IDP_DEFAULTS } from '../mock-idp/defaults.ts';
import { removeSavedDirectory } from '../mock-idp/directory/directory-journal.ts';
import { SCENARIOS } from '../mock-idp/scenarios/catalog.ts';
import { MODELS_DEFAULTS } from '../mock-models/defaults.ts';
import { removeSavedStorage } from '../mock-core/storage/storage.ts';
import { decodeToken, formatDecoded } from './commands/decode.ts';
import { chatEnvLines, findSandboxCa, nextAuthSecretFor } from './commands/chat-env.ts';
import { envLines } from './commands/env-lines.ts';
import { initEnvironment } from './commands/init.ts';
import { formatLogs } from './commands/logs.ts';
import { callRunning, clockAt, controlHeaders, controlTokenRefused, notRunning } from './commands/running-sandbox.ts';
import { lifetimeSeconds, mintAt, parseClaims, seconds } from './commands/mint.ts';
import { trustCa } from './commands/trust.ts';
import { runDoctor } from './doctor/doctor.ts';
import { formatFindings } from './doctor/findings.ts';
import { readInputs } from './doctor/inputs.ts';
import { loadEnvironment, type Environment } from './environment.ts';
import { passwordGrant } from './password-grant.ts';
import { passwordGrantClient } from '../mock-idp/tenant.ts';
import { refusePortClash, toPort } from './ports.ts';
import type { ServiceOptions } from './start-environment.ts';
import { printSummary } from './summary.ts';

/** For the commands that call a running sandbox's /__control endpoints. */
const controlTokenOption = () => new Option('--control-token <token>', `the running sandbox's control token (default: $${CONTROL_TOKEN_ENV})`);

/** The package's version, from its package.json (beside environments/, from the sources and from dist/ alike). */
const VERSION = (JSON.parse(readFileSync(join(dirname(dirname(DEFAULT_ENVIRONMENT)), 'package.json'), 'utf8')) as { version: string }).version;

// No default command: a bare `dial-sandbox` shows the usage (on stderr, exit 1), and a mistyped command is
// called unknown, with the nearest name, rather than read as an environment folder. `npm start` names `up`.
const program = new Command('dial-sandbox')
  .description('An offline test environment for AI DIAL behind Auth0. `dial-sandbox up` (or `npm start`) runs it; the other commands talk to it or check a configuration.')
  .version(VERSION, '-V, --version', 'print the version')
  .showHelpAfterError('(add --help for the usage)')
  .showSuggestionAfterError();

program
  .command('up')
  .description('run an environment (default: the Auth0 tutorial\'s) in the foreground until Ctrl-C')
  .argument('[env-dir]', 'environment folder', DEFAULT_ENVIRONMENT)
  .option('--state-dir <dir>', 'where the CA, certificates and signing keys are kept', IDP_DEFAULTS.stateDir)
  .option('--host <address>', 'address to listen on', IDP_DEFAULTS.host)
  .option('--idp-http-port <port>', 'mock-idp HTTP port', toPort, IDP_DEFAULTS.httpPort)
  .option('--idp-https-port <port>', 'mock-idp HTTPS port', toPort, IDP_DEFAULTS.httpsPort)
  .option('--models-port <port>', 'mock-models port', toPort, MODELS_DEFAULTS.port)
  .option('--core-port <port>', 'mock-core port', toPort, CORE_DEFAULTS.port)
  .option('--control-token <token>', `require this token (Authorization: Bearer) at every /__control endpoint (default: $${CONTROL_TOKEN_ENV}; none: they answer anyone)`)
  .option('--console-port <port>', 'the web console\'s port (always on 127.0.0.1)', toPort, CONSOLE_DEFAULTS.port)
  .option('--no-console', 'do not start the web console')
  .action(async (envDir: string, given: Omit<ServiceOptions, 'clock'> & { stateDir: string; host: string; console: boolean }) => {
    const started = Date.now();
    const { console: withConsole, ...rest } = given;
    const options = { ...rest, consolePort: withConsole ? rest.consolePort : undefined };
    const environment = loadEnvironment(envDir);
    const controlToken = controlTokenFrom(options.controlToken ?? process.env[CONTROL_TOKEN_ENV]);
    // startEnvironment checks this too; here it comes before the services' code is even loaded.
    refusePortClash(options, environment.core !== undefined);
    const { startEnvironment } = await import('./start-environment.ts');
    const running = await startEnvironment(environment, { ...options, controlToken });
    const stop = async (signal: string) => {
      process.stderr.write(`\n[sandbox] ${signal}: stopping.\n`);
      await running.stop();
      process.exit(0);
    };
    // Ready for a stop before saying it is up: whoever waits for the summary may stop it at once.
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    printSummary({ environment, ...running, controlToken: Boolean(controlToken), startedInMs: Date.now() - started });
    const exposure = exposureWarning(options.host, running.core ? ['idp', 'models', 'core'] : ['idp', 'models'], controlToken);
    if (exposure) process.stderr.write(`\n[sandbox] ${exposure}\n\n`);
  });

/**
 * Where the commands find the running sandbox: SANDBOX_IDP_URL and SANDBOX_CORE_URL (the names the e2e
 * suite's external target uses), else the default ports; `--idp` and `--core` say it per command.
 */
const RUNNING = {
  idp: process.env.SANDBOX_IDP_URL || `http://${IDP_DEFAULTS.host}:${IDP_DEFAULTS.httpPort}`,
  core: process.env.SANDBOX_CORE_URL || `http://${CORE_DEFAULTS.host}:${CORE_DEFAULTS.port}`,
};

program
  .command('token')
  .summary('an access token from the running sandbox, for a user or (--client) an application')
  .description('an access token from the running sandbox: a real password grant for a user of tenant.yaml, else (with --claims, --lifetime, --no-actions, --client alone, or a user only the live directory has) minted by the IdP with the tenant key')
  .option('--user <email>', 'the user: one of tenant.yaml, or one the Management API added (minted, since its password is unknown here)')
  .option('--audience <api>', 'the API (default: the tenant default audience, else its first API)')
  .option('--client <client_id>', 'the application (default: the first with the password grant); alone, an M2M token')
  .option('--scope <scope>', 'scopes to ask for, e.g. "openid profile"')
  .option('--claims <json>', 'mint: extra claims, e.g. \'{"dial_roles":["admin"]}\' (they override any claim)')
  .option('--lifetime <duration>', 'mint: time to expiry, e.g. 90 (seconds), 30s, 10m, 1h, 1d; negative (-1h): already expired')
  .option('--no-actions', 'mint: do not run the Post-Login Actions')
  .option('--decode', 'print the decoded token (expiry by the sandbox clock) instead of the token')
  .option('--env <dir>', 'environment folder', DEFAULT_ENVIRONMENT)
  .option('--idp <url>', 'the running mock-idp', RUNNING.idp)
  .addOption(controlTokenOption())
  .action(async (options: { user?: string; audience?: string; client?: string; scope?: string; claims?: string; lifetime?: string; actions: boolean; decode?: boolean; env: string; idp: string; controlToken?: string }) => {
    const environment = loadEnvironment(options.env);
    const lifetime = options.lifetime === undefined ? undefined : lifetimeSeconds(options.lifetime);
    const claims = parseClaims(options.claims);
    let minting = claims !== undefined || lifetime !== undefined || !options.actions || (!options.user && options.client !== undefined);
    if (!minting && !options.user) throw new SandboxError('ERR_SANDBOX_DEFINITION', 'Name the user: --user <email> (or --client <client_id> for an M2M token).');
    // A user the Management API created has a password only the IdP knows: no password grant from here. The
    // IdP mints for the users of its live directory, with the Actions run, so the token is what a login gives.
    const fromDirectory = !minting && !environment.tenant.users.some((u) => u.email.toLowerCase() === options.user!.toLowerCase());
    minting ||= fromDirectory;
    const unreachable = (error: Error) => {
      throw error instanceof SandboxError ? error : notRunning(options.idp, error);
    };
    // As the password grant would: its application, unless --client names one.
    const client = options.client ?? (fromDirectory ? passwordGrantClient(environment.tenant)?.client_id : undefined);
    const token = minting
      ? await mintAt(options.idp, { user: options.user, client_id: client, audience: options.audience, scope: options.scope, claims, lifetime_seconds: lifetime, actions: options.actions }, controlHeaders(options.controlToken)).catch(unreachable)
      : await passwordGrant(environment, options.idp, options.user!, { audience: options.audience, clientId: options.client, scope: options.scope }).catch(unreachable);
    if (fromDirectory) process.stderr.write(`[sandbox] ${options.user} is not in tenant.yaml, so its password is unknown here: the IdP at ${options.idp} minted the token (POST /__control/tokens) from its live directory, with the Post-Login Actions run.\n`);
    process.stdout.write(`${options.decode ? formatDecoded(decodeToken(token, rolePathOf(environment), await clockAt(options.idp, options.controlToken))) : token}\n`);
  });

program
  .command('scenario')
  .description('switch a named fault scenario of the running IdP on (for a while) or off, or list them')
  .argument('[name]', 'the scenario (see --list)')
  .option('--for <duration>', 'how long, e.g. 30s or 2m (default: until switched off)')
  .option('--list', 'list the scenarios, the bug each reproduces and what DIAL Core makes of it (no sandbox needed)')
  .option('--off', 'switch the scenario in force off')
  .option('--idp <url>', 'the running mock-idp', RUNNING.idp)
  .addOption(controlTokenOption())
  .action(async (name: string | undefined, options: { for?: string; list?: boolean; off?: boolean; idp: string; controlToken?: string }) => {
    const call = (init: RequestInit = {}, path = '/__control/scenario') =>
      callRunning<Record<string, any>>(options.idp, path, { ...init, headers: { ...(init.headers as Record<string, string>), ...controlHeaders(options.controlToken) } }).then((answer) => answer.body);
    if (options.list || (!name && !options.off)) {
      // The names from the definitions here: listing needs no sandbox. Only what is in force needs the IdP.
      const lines = Object.entries(SCENARIOS).map(([scenario, { description, atCore }]) => `  ${scenario.padEnd(24)} ${description}\n  ${''.padEnd(24)} at Core: ${atCore}`);
      const answer = await fetch(`${options.idp}/__control/scenarios`, { headers: controlHeaders(options.controlToken), signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      // What is in force is a bonus: an IdP that wants its token, or something else on the port, leaves it unknown.
      const state = answer?.ok ? ((await answer.json().catch(() => undefined)) as { active?: { name: string; until?: string } } | undefined) : undefined;
      const active = state?.active;
      const inForce = answer?.status === 401 ? `unknown (the IdP at ${options.idp} wants its control token: --control-token, or $${CONTROL_TOKEN_ENV})`
        : !state ? `unknown (no IdP answers at ${options.idp})`
          : active ? `${active.name}${active.until ? ` until ${active.until}` : ''}` : 'none';
      process.stdout.write(`${lines.join('\n')}\n\n(at Core: what DIAL Core does with it under its default settings, one identity provider and no audience)\nin force: ${inForce}\n`);
      return;
    }
    if (options.off) {
      await call({ method: 'DELETE' });
      process.stdout.write('No scenario in force.\n');
      return;
    }
    const answer = await call({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, for_seconds: options.for === undefined ? undefined : seconds(options.for) }) });
    if (!answer.active) throw new SandboxError('ERR_SANDBOX_DEFINITION', String(answer.error_description));
    process.stdout.write(`In force: ${answer.active.name}${answer.active.until ? ` until ${answer.active.until}` : ''} — ${answer.active.description}\n`);
  });

program
  .command('logs')
  .description('the recent requests of the running IdP and Core: who asked, what was issued, what Core decided and why')
  .option('--idp <url>', 'the running mock-idp', RUNNING.idp)
  .option('--core <url>', 'the running mock-core', RUNNING.core)
  .option('--json', 'print the entries as JSON')
  .addOption(controlTokenOption())
  .action(async (options: { idp: string; core: string; json?: boolean; controlToken?: string }) => {
    const read = (url: string) => callRunning<Record<string, unknown>[]>(url, '/__control/log', { headers: controlHeaders(options.controlToken) }, '--idp / --core').then((answer) => answer.body);
    const [idp, core] = await Promise.all([read(options.idp), read(options.core)]);
    process.stdout.write(options.json ? `${JSON.stringify({ idp, core }, null, 2)}\n` : formatLogs(idp, core));
  });

program
  .command('clock')
  .argument('[action]', 'freeze, resume, advance <duration> or reset (none: show the clock)')
  .argument('[duration]', 'for advance: e.g. 30s, 10m, 1h, 1d')
  .description('the clock the IdP and mock-core share: freeze it, move it ahead, or back to the system clock')
  .option('--idp <url>', 'the running mock-idp', RUNNING.idp)
  .addOption(controlTokenOption())
  .action(async (action: string | undefined, duration: string | undefined, options: { idp: string; controlToken?: string }) => {
    const requests: Record<string, RequestInit> = {
      freeze: { method: 'PUT', body: '{"freeze":true}' },
      resume: { method: 'PUT', body: '{"freeze":false}' },
      reset: { method: 'DELETE' },
    };
    let request: RequestInit = { method: 'GET' };
    if (action === 'advance') request = { method: 'PUT', body: JSON.stringify({ advance_seconds: seconds(duration ?? '', 'advance') }) };
    else if (action) request = requests[action] ?? (() => { throw new SandboxError('ERR_SANDBOX_DEFINITION', `No clock action "${action}": freeze, resume, advance <duration>, reset.`); })();
    const { ok, body } = await callRunning<{ now?: string; frozen?: boolean | null; ahead_seconds?: number; error_description?: string }>(options.idp, '/__control/clock', { ...request, headers: { 'content-type': 'application/json', ...controlHeaders(options.controlToken) } });
    if (!ok) throw new SandboxError('ERR_SANDBOX_DEFINITION', String(body.error_description));
    process.stdout.write(`${body.now}  ${body.frozen ? 'frozen' : 'running'}, ${body.ahead_seconds} s ahead of the system clock\n`);
  });

program
  .command('reset')
  .summary('undo the Management API\'s changes and empty mock-core\'s storage; the clock and keys stay')
  .description('undo the Management API\'s changes, switch the scenario off and forget mock-core\'s stored conversations, prompts, files and shares (a running sandbox at once, else the state folder); the clock and the signing keys stay')
  .option('--idp <url>', 'the running mock-idp', RUNNING.idp)
  .option('--core <url>', 'the running mock-core', RUNNING.core)
  .option('--state-dir <dir>', 'the state folder, when no sandbox is running', IDP_DEFAULTS.stateDir)
  .addOption(controlTokenOption())
  .action(async (options: { idp: string; core: string; stateDir: string; controlToken?: string }) => {
    const post = (url: string) => fetch(url, { method: 'POST', headers: controlHeaders(options.controlToken) }).catch(() => undefined);
    const [idpAnswer, coreAnswer] = await Promise.all([post(`${options.idp}/__control/reset`), post(`${options.core}/__control/reset`)]);
    // A running service that refuses the call is still running: its state is not to be removed under it.
    if (idpAnswer?.status === 401) throw controlTokenRefused(options.idp);
    if (coreAnswer?.status === 401) throw controlTokenRefused(options.core);
    const idp = idpAnswer?.ok ? await (idpAnswer.json() as Promise<{ users: number; roles: number }>).catch(() => undefined) : undefined;
    const core = coreAnswer?.ok ? await (coreAnswer.json() as Promise<{ resources: number }>).catch(() => undefined) : undefined;
    const lines: string[] = [];
    if (idp) lines.push(`The IdP at ${options.idp} is back to tenant.yaml: ${count(idp.users, 'user')}, ${count(idp.roles, 'role')}; no scenario in force.`);
    else lines.push(removeSavedDirectory(options.stateDir) ? `No IdP answers at ${options.idp}; removed the stored directory in ${options.stateDir}: the next start uses tenant.yaml's users and roles.` : `No IdP answers at ${options.idp} and ${options.stateDir} holds no stored directory.`);
    if (core) lines.push(`mock-core at ${options.core} forgot ${count(core.resources, 'stored resource')} and every share.`);
    else if (removeSavedStorage(options.stateDir)) lines.push(`No mock-core answers at ${options.core}; removed its stored resources and shares in ${options.stateDir}.`);
    // What reset leaves, said so: a test that moved the clock or rotated a key must undo that itself.
    lines.push(idp
      ? 'The clock and the signing keys are as they were (a key rotated through the Management API stays rotated); `dial-sandbox clock reset` puts the clock back.'
      : `The signing keys in ${options.stateDir} stay as they are; the clock is the system clock again at the next start.`);
    process.stdout.write(`${lines.join('\n')}\n`);
  });

program
  .command('decode')
  .summary('a JWT, readable: claims, expiry and the roles DIAL Core would see')
  .description('a JWT, readable: header, claims, expiry in words (by the sandbox clock when one runs), and the roles at the DIAL rolePath')
  .argument('[jwt]', 'the token, or "Bearer <jwt>"; - or none: read from stdin (e.g. pbpaste | dial-sandbox decode)')
  .option('--role-path <path>', 'where DIAL Core reads roles (default: the environment\'s rolePath, else dial_roles)')
  .option('--env <dir>', 'environment folder', DEFAULT_ENVIRONMENT)
  .option('--idp <url>', 'the running mock-idp, whose clock the expiry is measured by (none answering: the system clock)', RUNNING.idp)
  .addOption(controlTokenOption())
  .action(async (jwt: string | undefined, options: { rolePath?: string; env: string; idp: string; controlToken?: string }) => {
    const rolePath = options.rolePath ? options.rolePath.split(',') : rolePathOf(loadEnvironment(options.env));
    // `-` reads stdin to its end. Without an argument, piped input is read too, but a stdin that stays open
    // with nothing in it (cron, CI, ssh) is not waited on for ever, nor is a terminal.
    const token = jwt === '-' ? await text(process.stdin) : jwt ?? (process.stdin.isTTY ? undefined : await pipedText(process.stdin, STDIN_WAIT_MS));
    if (!token?.trim()) throw new SandboxError('ERR_SANDBOX_DEFINITION', 'Give the token: dial-sandbox decode <jwt>, or pipe it in (dial-sandbox token --user alice@example.com | dial-sandbox decode).');
    process.stdout.write(`${formatDecoded(decodeToken(token, rolePath, await clockAt(options.idp, options.controlToken)))}\n`);
  });

program
  .command('env')
  .summary('the DIAL Chat and DIAL Core environment lines for the running sandbox')
  .description('the DIAL Chat and DIAL Core environment lines for the running sandbox; --chat: all a real DIAL Chat needs, as an env file')
  .option('--chat', 'only DIAL Chat\'s lines, complete: `dial-sandbox env --chat > chat.env` for docker --env-file or apps/chat/.env.local')
  .option('--env <dir>', 'environment folder', DEFAULT_ENVIRONMENT)
  .option('--idp <url>', 'the running mock-idp', RUNNING.idp)
  .option('--core <url>', 'the running mock-core', RUNNING.core)
  .option('--state-dir <dir>', 'where the running sandbox keeps its CA (default: .sandbox here, else the one beside the package; the CA must have signed the IdP\'s certificate)')
  .action(async (options: { chat?: boolean; env: string; idp: string; core: string; stateDir?: string }) => {
    const environment = loadEnvironment(options.env);
    const { body: discovery } = await callRunning<{ issuer: string }>(options.idp, '/.well-known/openid-configuration');
    // One way to find the CA for both: the one that signed the running IdP's certificate, found from any folder.
    const ca = await findSandboxCa(discovery.issuer, options.stateDir);
    if (options.chat) {
      process.stdout.write(`${chatEnvLines(environment, { issuer: discovery.issuer, coreUrl: options.core, caFile: ca.caFile, nextAuthSecret: nextAuthSecretFor(ca.stateDir) })}\n`);
      return;
    }
    process.stdout.write(`${envLines(environment, { issuer: discovery.issuer, idpHttpUrl: options.idp, coreUrl: options.core, caFile: ca.caFile })}\n`);
  });

program
  .command('trust')
  .summary('make this user\'s browsers trust the sandbox CA')
  .description("make this user's browsers trust the sandbox CA (Linux: Chromium, Chrome and Firefox through NSS's certutil; elsewhere: prints how)")
  .option('--state-dir <dir>', 'the state folder whose CA to trust', IDP_DEFAULTS.stateDir)
  .option('--home <dir>', "whose browsers: the home folder", homedir())
  .option('--remove', 'take the CA out again')
  .action((options: { stateDir: string; home: string; remove?: boolean }) => {
    const lines = trustCa({ caFile: resolve(options.stateDir, 'tls', 'ca.pem'), home: options.home, remove: options.remove });
    process.stdout.write(`${lines.join('\n')}\n`);
  });

program
  .command('init')
  .description('a new environment folder, copied from the default (the Auth0 tutorial)')
  .argument('<dir>', 'the folder to create')
  .action((dir: string) => {
    const target = initEnvironment(dir);
    process.stdout.write(`Created ${target}. Edit tenant.yaml, models.yaml and core/, then: dial-sandbox up ${dir}\n`);
  });

program
  .command('doctor')
  .description('check a DIAL + Auth0 configuration against Core\'s real rules and the IdP it points at')
  .argument('[env-dir]', 'an environment folder (default: the tutorial\'s, unless files are named)')
  .option('--settings <file>', 'Core\'s static settings file (AIDIAL_SETTINGS)')
  .option('--config <file...>', 'Core\'s dynamic config files (default: the settings\' config.files)')
  .option('--core-env <file...>', 'Core\'s aidial.* lines (KEY=VALUE, or KEY: value as the tutorial writes them); not --env-file, which Node takes for itself')
  .option('--chat-env <file>', 'DIAL Chat\'s AUTH_AUTH0_* lines (default: <env-dir>/chat.env)')
  .option('--json', 'print the findings as JSON')
  .option('--no-probe', 'do not contact the IdP the jwksUrl names')
  .action(async (envDir: string | undefined, options: { settings?: string; config?: string[]; coreEnv?: string[]; chatEnv?: string; json?: boolean; probe: boolean }) => {
    const named = options.settings || options.coreEnv || options.config;
    const inputs = readInputs({ envDir: envDir ?? (named ? undefined : DEFAULT_ENVIRONMENT), settings: options.settings, config: options.config, envFiles: options.coreEnv, chatEnv: options.chatEnv });
    const findings = await runDoctor(inputs, { probe: options.probe });
    process.stdout.write(options.json ? `${JSON.stringify(findings, null, 2)}\n` : formatFindings(findings));
    process.exitCode = findings.some((f) => f.severity === 'error') ? 1 : 0;
  });

/** "1 role", "2 roles". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** How long `decode` waits for a first byte on a stdin nobody said carries the token. */
const STDIN_WAIT_MS = 3000;

/** A stream's text to its end, or undefined when nothing arrives within `waitMs`. */
function pipedText(stream: NodeJS.ReadableStream, waitMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const nothing = setTimeout(() => {
      stream.removeAllListeners('data').removeAllListeners('end');
      stream.pause();
      resolve(undefined);
    }, waitMs);
    stream.on('data', (chunk: Buffer) => {
      clearTimeout(nothing);
      chunks.push(chunk);
    });
    stream.once('end', () => {
      clearTimeout(nothing);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

function rolePathOf(environment: Environment): string[] {
  return environment.core?.settings.identityProviders[0]?.rolePath ?? ['dial_roles'];
}

/**
 * Node 20 reads `--env-file` anywhere on its command line, after the script's name too
 * (https://github.com/nodejs/node/issues/54232): a file that does not exist stops Node before this code runs
 * ("node: core.env: not found", exit 9); one that exists is left here, unused. So it can only be told apart
 * here, and only then: doctor's option is --core-env.
 */
function nodeTookEnvFile(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--env-file' || arg.startsWith('--env-file='));
}

try {
  if (nodeTookEnvFile(process.argv.slice(2))) {
    throw new SandboxError('ERR_SANDBOX_DEFINITION', '--env-file is an option of Node itself, which reads it anywhere on the command line: give Core\'s aidial.* lines as dial-sandbox doctor --core-env <file>.');
  }
  await program.parseAsync();
} catch (error) {
  if (error instanceof SandboxError) {
    process.stderr.write(`[sandbox] ${error.message}\n`);
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(`[sandbox] ${(error as Error).message}: another sandbox may be running. Stop it, or choose other ports (--help).\n`);
  } else {
    process.stderr.write(`[sandbox] ${(error as Error).stack}\n`);
  }
  process.exit(1);
}
