/**
 * The command line's own behaviour, with no sandbox running: usage, version, unknown commands, bad option
 * values, Node's --env-file, the scenario list offline, and no warning from service code a command does not run.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, it, onTestFinished } from 'vitest';

import { portClash } from '../sandbox/ports.ts';
import { closedPort } from './support/ports.ts';

const CLI = fileURLToPath(new URL('../bin/dial-sandbox.js', import.meta.url));
/** The tutorial's settings as it writes them, defects included (the README's doctor walkthrough runs on them). */
const TUTORIAL_AS_WRITTEN = fileURLToPath(new URL('../examples/tutorial-as-written', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
/** Nothing listens on port 1 of loopback: "no sandbox running" without a fixed port anything might hold. */
const NOBODY = 'http://127.0.0.1:1';

type Outcome = { code: number; stdout: string; stderr: string };
/** Runs the CLI to its end, success or not; `input` is written to its stdin (closed either way). */
function cli(args: string[], input = ''): Promise<Outcome> {
  const running = promisify(execFile)(process.execPath, [CLI, ...args], { env: { ...process.env, FORCE_COLOR: '0' }, timeout: 60_000 });
  running.child.stdin!.end(input);
  return running.then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }), (error: Outcome) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }));
}

/** A port nothing listens on, found by listening on port 0 and letting it go. */

const WARNING = 'oidc-provider WARNING';
const STACK = /\n\s+at /;

describe('dial-sandbox: usage, version and unknown commands', () => {
  it('shows the usage when run with nothing, and starts nothing', async () => {
    const bare = await cli([]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('Usage: dial-sandbox [options] [command]');
    expect(bare.stderr).toMatch(/up \[options\] \[env-dir\]/);
    expect(bare.stdout).not.toContain('Ctrl-C stops');
  });

  it('prints the package version with --version and -V', async () => {
    for (const flag of ['--version', '-V']) expect(await cli([flag])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('calls an unknown command unknown, with a suggestion when one is near, instead of taking it for an environment folder', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("error: unknown command 'frobnicate'");
    expect(unknown.stderr).not.toContain('tenant.yaml');
    expect((await cli(['tokne'])).stderr).toContain('(Did you mean token?)');
  });

  it('has a description for every command in the usage', async () => {
    const { stdout } = await cli(['--help']);
    for (const command of ['up', 'token', 'scenario', 'logs', 'clock', 'reset', 'decode', 'env', 'trust', 'init', 'doctor']) expect(stdout).toMatch(new RegExp(`\\n  ${command} .*\\S {2,}\\S`));
  });
});

describe('dial-sandbox: bad option values', () => {
  it.each([['--core-port', 'abc'], ['--idp-http-port', '70000'], ['--models-port', '-1'], ['--idp-https-port', '1.5']])('refuses %s %s in one line naming the option and the value', async (option, value) => {
    const { code, stderr } = await cli(['up', `${option}=${value}`]);
    expect(code).toBe(1);
    expect(stderr).not.toMatch(STACK);
    expect(stderr).toContain(`option '${option} <port>' argument '${value}' is invalid`);
    expect(stderr).toContain('0 to 65535');
  });

  it('reports two services given one port as that, before anything listens', async () => {
    const port = await closedPort();
    const { code, stderr } = await cli(['up', '--idp-http-port', String(port), '--core-port', String(port), '--idp-https-port', '0', '--models-port', '0', '--state-dir', mkdtempSync(join(tmpdir(), 'clash-'))]);
    expect(code).toBe(1);
    expect(stderr).toContain(`--idp-http-port and --core-port are both ${port}`);
    expect(stderr).not.toContain('another sandbox may be running');
    expect(stderr).not.toContain('mock-idp');
  });

  it('names the console when its port is taken by another program', async () => {
    const taken = net.createServer();
    await once(taken.listen(0, '127.0.0.1'), 'listening');
    onTestFinished(() => void taken.close());
    const port = (taken.address() as AddressInfo).port;
    const { code, stderr } = await cli(['up', '--idp-http-port', '0', '--idp-https-port', '0', '--models-port', '0', '--core-port', '0', '--console-port', String(port), '--state-dir', mkdtempSync(join(tmpdir(), 'console-taken-'))]);
    expect(code).toBe(1);
    expect(stderr).toContain(`127.0.0.1:${port} (the console's: --console-port <port> takes another, --no-console none)`);
    expect(stderr).not.toMatch(STACK);
  });

  it('finds the clash of a port with a default (--core-port 4000 and the IdP\'s HTTP port)', () => {
    expect(portClash({ corePort: 4000 }, true)).toBe('--idp-http-port and --core-port are both 4000');
    expect(portClash({ corePort: 4000 }, false)).toBeUndefined(); // no Core settings: mock-core does not start
    expect(portClash({ idpHttpPort: 0, corePort: 0, modelsPort: 0, idpHttpsPort: 0 }, true)).toBeUndefined(); // 0: each its own free port
    expect(portClash({ consolePort: 4443 }, true)).toBe('--idp-https-port and --console-port are both 4443');
    expect(portClash({}, true)).toBeUndefined(); // --no-console: no port of its own
  });

  it.each([['10x'], ['abc'], ['1.5']])('refuses token --lifetime %s in one line', async (value) => {
    const { code, stderr } = await cli(['token', '--user', 'alice@example.com', '--lifetime', value, '--idp', NOBODY]);
    expect(code).toBe(1);
    expect(stderr).not.toMatch(STACK);
    expect(stderr).toContain(`--lifetime takes a duration such as 30s, 2m, 1h or 1d (or whole seconds), not "${value}"`);
  });
});

describe('dial-sandbox doctor and Node\'s --env-file', () => {
  it('reads aidial.* lines with --core-env', async () => {
    const { code, stdout } = await cli(['doctor', '--core-env', join(TUTORIAL_AS_WRITTEN, 'core.env'), '--no-probe', '--json']);
    expect(code).toBe(1);
    expect((JSON.parse(stdout) as { check: string }[]).map((f) => f.check)).toContain('jwks-url-triple-slash');
  });

  it('says what to type instead when Node took --env-file for itself', async () => {
    const { code, stderr } = await cli(['doctor', '--env-file', join(TUTORIAL_AS_WRITTEN, 'core.env'), '--no-probe']);
    expect(code).toBe(1);
    expect(stderr).toContain('--env-file is an option of Node itself');
    expect(stderr).toContain('doctor --core-env <file>');
  });
});

describe('dial-sandbox: commands that start no service print no service warning', () => {
  const jwt = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp: 1, dial_roles: ['a'] })).toString('base64url')}.x`;

  it.each([
    ['decode', [jwt, '--idp', NOBODY]],
    ['env', ['--idp', NOBODY]],
    ['token', ['--user', 'alice@example.com', '--idp', NOBODY]],
    ['logs', ['--idp', NOBODY, '--core', NOBODY]],
    ['trust', ['--state-dir', join(tmpdir(), 'no-such-state')]],
    ['clock', ['--idp', NOBODY]],
    ['scenario', ['--list', '--idp', NOBODY]],
  ])('%s', async (command, args) => {
    const { stderr } = await cli([command, ...args]);
    expect(stderr).not.toContain(WARNING);
  });
});

describe('dial-sandbox decode: where the token comes from', () => {
  const token = (claims: Record<string, unknown>) => `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.x`;

  it('takes "Bearer <jwt>", "-" for stdin, and piped stdin without an argument; by the system clock when no sandbox answers', async () => {
    const jwt = token({ sub: 'x', exp: Math.floor(Date.now() / 1000) + 3_600 });
    for (const [args, input] of [[[`Bearer ${jwt}`]], [['-'], `${jwt}\n`], [[], `Authorization: Bearer ${jwt}\n`]] as [string[], string?][]) {
      const { code, stdout, stderr } = await cli(['decode', ...args, '--idp', NOBODY], input);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/expiry {2}expires in (59|60) min \(.*\) by the system clock/);
    }
    expect((await cli(['decode', '--idp', NOBODY])).stderr).toContain('Give the token');
  });
});

describe('dial-sandbox scenario --list without a running sandbox', () => {
  it('lists the scenarios from their definitions, with what each changes at DIAL Core', async () => {
    const { code, stdout } = await cli(['scenario', '--list', '--idp', NOBODY]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/jwks-503 +the JWKS answers 503/);
    expect(stdout).toMatch(/token-wrong-aud +.*\n +at Core: nothing with the default settings/);
    expect(stdout).toMatch(/token-issuer-no-slash +.*\n +at Core: nothing with the default settings/);
    expect(stdout).toMatch(/token-expired +.*\n +at Core: 401/);
    expect(stdout).toContain(`in force: unknown (no IdP answers at ${NOBODY})`);
  });
});
