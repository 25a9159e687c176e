import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type StartedSandbox } from '../sandbox/index.ts';
import { dockerEnvFile } from './support/env-file.ts';
import { privateStateDir } from './support/sandbox-helpers.ts';

const CLI = fileURLToPath(new URL('../bin/dial-sandbox.js', import.meta.url));
const runIn = (cwd: string | undefined, ...args: string[]) => promisify(execFile)(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0' } });
const run = (...args: string[]) => runIn(undefined, ...args);
const failIn = (cwd: string | undefined, ...args: string[]) => runIn(cwd, ...args).then(() => { throw new Error('expected the command to fail'); }, (error: { code: number; stderr: string }) => error);
const fail = (...args: string[]) => failIn(undefined, ...args);

describe('dial-sandbox token, decode, env and init', () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: process.env.SANDBOX_TEST_STATE_DIR });
  });
  afterAll(() => sandbox.stop());

  it('token: a real password grant against the running sandbox; --decode shows the claims and the roles Core would see', async () => {
    const { stdout } = await run('token', '--user', 'alice@example.com', '--idp', sandbox.idpUrl);
    expect(stdout.trim().split('.')).toHaveLength(3);
    const decoded = (await run('token', '--user', 'alice@example.com', '--idp', sandbox.idpUrl, '--decode')).stdout;
    expect(decoded).toContain('"dial_roles": [');
    expect(decoded).toMatch(/expiry {2}expires in 24\.0 h/);
    expect(decoded).toContain('roles   ["auth0-role-name"] at rolePath dial_roles');
  });

  it('token --claims/--lifetime/--no-actions/--client: mints with the tenant key', async () => {
    const minted = (await run('token', '--user', 'bob@example.com', '--claims', '{"dial_roles":["auth0-role-name"]}', '--lifetime', '60', '--idp', sandbox.idpUrl, '--decode')).stdout;
    expect(minted).toContain('roles   ["auth0-role-name"] at rolePath dial_roles');
    const [iat, exp] = ['iat', 'exp'].map((claim) => Number(minted.match(new RegExp(`"${claim}": (\\d+)`))?.[1]));
    expect(exp - iat).toBe(60);
    const m2m = (await run('token', '--client', 'ci-runner', '--idp', sandbox.idpUrl, '--decode')).stdout;
    expect(m2m).toContain('"sub": "ci-runner@clients"');
    expect((await fail('token', '--user', 'bob@example.com', '--claims', '[1]', '--idp', sandbox.idpUrl)).stderr).toContain('--claims must be a JSON object');
  });

  it.each([['10m', 600], ['1h', 3_600], ['90', 90], ['-60', -60]])('token --lifetime %s: a token %i s long, as clock advance and scenario --for read durations', async (lifetime, seconds) => {
    const minted = (await run('token', '--user', 'alice@example.com', `--lifetime=${lifetime}`, '--idp', sandbox.idpUrl, '--decode')).stdout;
    const [iat, exp] = ['iat', 'exp'].map((claim) => Number(minted.match(new RegExp(`"${claim}": (\\d+)`))?.[1]));
    // An expired token is minted as issued a minute before it expired.
    expect(exp - iat).toBe(seconds < 0 ? 60 : seconds);
  });

  it('token --user: a user of the live directory (not in tenant.yaml) is minted by the running IdP, which says so; one it does not know gets its error', async () => {
    // A sandbox of its own: the change to its directory is journaled in its state folder, not the shared one.
    const own = await startSandbox(undefined, { stateDir: privateStateDir('cli-directory-user') });
    const { directory } = own.idp;
    directory.commit([{ user: { ...directory.users[0]!, user_id: 'auth0|carol', email: 'carol@example.com' } }]);
    try {
      const { stdout, stderr } = await run('token', '--user', 'carol@example.com', '--idp', own.idpUrl, '--decode');
      expect(stdout).toContain('"sub": "auth0|carol"');
      expect(stdout).toContain('roles   ["auth0-role-name"]'); // the Post-Login Actions ran
      expect(stderr.trim().split('\n')).toEqual([expect.stringContaining('carol@example.com is not in tenant.yaml')]);
      expect(stderr).toContain('/__control/tokens');
      const unknown = await fail('token', '--user', 'dave@example.com', '--idp', own.idpUrl);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('No user dave@example.com; the users are: alice@example.com, bob@example.com, carol@example.com');
    } finally {
      await own.stop();
    }
  });

  it('scenario: lists the scenarios, switches one on for a while and off', async () => {
    expect((await run('scenario', '--list', '--idp', sandbox.idpUrl)).stdout).toMatch(/jwks-503 +the JWKS answers 503/);
    expect((await run('scenario', 'token-expired', '--for', '2m', '--idp', sandbox.idpUrl)).stdout).toMatch(/^In force: token-expired until \d{4}-/);
    expect(sandbox.idp.scenario.current).toBe('token-expired');
    await run('scenario', '--off', '--idp', sandbox.idpUrl);
    expect(sandbox.idp.scenario.current).toBeUndefined();
    expect((await fail('scenario', 'no-such', '--idp', sandbox.idpUrl)).stderr).toContain('No scenario "no-such". The scenarios are: jwks-503');
  });

  it('clock: freezes, moves ahead and resets the clock the IdP and mock-core share', async () => {
    expect((await run('clock', 'advance', '1h', '--idp', sandbox.idpUrl)).stdout).toMatch(/running, 3600 s ahead of the system clock/);
    expect((await run('clock', 'freeze', '--idp', sandbox.idpUrl)).stdout).toMatch(/frozen, 3600 s ahead/);
    expect((await run('clock', 'reset', '--idp', sandbox.idpUrl)).stdout).toMatch(/running, 0 s ahead/);
    expect((await fail('clock', 'advance', 'soon', '--idp', sandbox.idpUrl)).stderr).toContain('advance takes a duration such as 30s');
  });

  it('logs: the IdP\'s and Core\'s recent requests, one line each', async () => {
    const bob = await sandbox.token('bob@example.com');
    await fetch(`${sandbox.coreUrl}/openai/deployments/chat-gpt-35-turbo/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${bob}`, 'content-type': 'application/json' }, body: '{}' });
    const { stdout } = await run('logs', '--idp', sandbox.idpUrl, '--core', sandbox.coreUrl!);
    expect(stdout).toMatch(/idp {3}\/oauth\/token password client=dial-chat user=bob@example\.com aud=dial-api → 200/);
    expect(stdout).toMatch(/core {2}POST \/openai\/deployments\/chat-gpt-35-turbo\/chat\/completions → 403 "Forbidden deployment: chat-gpt-35-turbo" caller auth0\|\w+ via auth0 roles=\[\]/);
  });

  it('token: says how to fix an unknown user and a sandbox that is not running', async () => {
    expect((await fail('token', '--user', 'nobody@example.com', '--idp', sandbox.idpUrl)).stderr).toContain('the users are: alice@example.com, bob@example.com');
    const down = await fail('token', '--user', 'alice@example.com', '--idp', 'http://127.0.0.1:1');
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('Start one with `npm start`');
  });

  it('decode: explains a token without roles, an expired one and an opaque one', async () => {
    const bob = await sandbox.token('bob@example.com');
    expect((await run('decode', bob, '--idp', sandbox.idpUrl)).stdout).toContain('none: DIAL Core will let this caller use only deployments without userRoles');
    const expired = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp: 1 })).toString('base64url')}.x`;
    expect((await run('decode', expired, '--idp', sandbox.idpUrl)).stdout).toMatch(/expired .* ago \(1970-01-01T00:00:01\.000Z\)/);
    expect((await fail('decode', 'opaque-token', '--idp', sandbox.idpUrl)).stderr).toContain('ask for one with --audience');
  });

  it('decode and token --decode: expiry by the sandbox clock when the IdP answers', async () => {
    const inAnHour = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3_600 })).toString('base64url')}.x`;
    await run('clock', 'advance', '2d', '--idp', sandbox.idpUrl);
    try {
      expect((await run('decode', inAnHour, '--idp', sandbox.idpUrl)).stdout).toMatch(/expiry {2}expired 2\.0 days ago \(.*\) by the sandbox clock/);
      // A token minted now by the sandbox clock is 24 h from the sandbox's now, not from this machine's.
      expect((await run('token', '--user', 'alice@example.com', '--idp', sandbox.idpUrl, '--decode')).stdout).toMatch(/expiry {2}expires in 24\.0 h \(.*\) by the sandbox clock/);
    } finally {
      await run('clock', 'reset', '--idp', sandbox.idpUrl);
    }
  });

  it('env: the Chat and Core lines for the running sandbox, with the names the images read', async () => {
    const { stdout } = await run('env', '--idp', sandbox.idpUrl, '--core', sandbox.coreUrl!, '--state-dir', process.env.SANDBOX_TEST_STATE_DIR!);
    expect(stdout).toContain(`AUTH_AUTH0_HOST=${sandbox.issuer.replace(/\/$/, '')}`);
    expect(stdout).toContain('AUTH_AUTH0_SECRET=dial-chat-secret');
    expect(stdout).toContain('AUTH_AUTH0_AUDIENCE=dial-api');
    expect(stdout).toContain(`aidial.identityProviders.auth0.jwksUrl=${sandbox.idpUrl}/.well-known/jwks.json`);
  });

  it('env: NODE_EXTRA_CA_CERTS is the CA that signed the running IdP\'s certificate, found as env --chat finds it, from any folder', async () => {
    const stateDir = process.env.SANDBOX_TEST_STATE_DIR!;
    const elsewhere = mkdtempSync(join(tmpdir(), 'elsewhere-'));
    const named = dockerEnvFile((await runIn(elsewhere, 'env', '--idp', sandbox.idpUrl, '--core', sandbox.coreUrl!, '--state-dir', relative(elsewhere, stateDir))).stdout);
    expect(named.get('NODE_EXTRA_CA_CERTS')).toBe(sandbox.caFile);
    // Without --state-dir, from a folder with no .sandbox: the one beside the package, if it signed the IdP's certificate, else an error.
    const unnamed = await runIn(elsewhere, 'env', '--idp', sandbox.idpUrl, '--core', sandbox.coreUrl!).then(({ stdout }) => ({ stdout, stderr: '' }), (error: { stderr: string }) => ({ stdout: '', stderr: error.stderr }));
    if (unnamed.stdout) expect(existsSync(dockerEnvFile(unnamed.stdout).get('NODE_EXTRA_CA_CERTS')!)).toBe(true);
    else expect(unnamed.stderr).toMatch(/did not sign the certificate of the IdP|No sandbox CA at/);
  });

  it('env: keeps every comment on a line of its own, so that the lines are an env file', async () => {
    const { stdout } = await run('env', '--idp', sandbox.idpUrl, '--core', sandbox.coreUrl!, '--state-dir', process.env.SANDBOX_TEST_STATE_DIR!);
    const values = dockerEnvFile(stdout);
    expect(values.get('AUTH_AUTH0_HOST')).toBe(sandbox.issuer.replace(/\/$/, ''));
    expect([...values.values()].filter((value) => value.includes('#'))).toEqual([]);
  });

  it('init: copies the default environment into a new folder, and refuses a folder that has files', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'init-')), 'mine');
    expect((await run('init', dir)).stdout).toContain(`dial-sandbox up ${dir}`);
    expect(readdirSync(dir).sort()).toEqual(['actions', 'core', 'models.yaml', 'tenant.yaml']);
    expect((await fail('init', dir)).stderr).toContain('is not empty; nothing was written');
  });
});

/** The bucket of the sandbox's alice, as mock-core names it. */
async function bucketOf(sandbox: Awaited<ReturnType<typeof startSandbox>>): Promise<string> {
  const answer = await fetch(`${sandbox.coreUrl}/v1/bucket`, { headers: { authorization: `Bearer ${await sandbox.token('alice@example.com')}` } });
  return ((await answer.json()) as { bucket: string }).bucket;
}

describe('dial-sandbox reset', () => {
  it('puts a running IdP back to tenant.yaml and empties mock-core\'s storage; with none running, removes their state files', async () => {
    const stateDir = privateStateDir('reset');
    const sandbox = await startSandbox(undefined, { stateDir });
    try {
      const { directory } = sandbox.idp;
      directory.commit([{ user: { ...directory.users[0]!, user_id: 'auth0|added', email: 'added@example.com' } }]);
      expect(existsSync(join(stateDir, 'directory.journal'))).toBe(true);
      const conversation = `${sandbox.coreUrl}/v1/conversations/${await bucketOf(sandbox)}/kept`;
      const token = await sandbox.token('alice@example.com');
      const body = JSON.stringify({ id: 'c', folderId: 'f', name: 'n', prompt: '', temperature: 1, model: { id: 'gpt-4' }, selectedAddons: [], messages: [] });
      expect((await fetch(conversation, { method: 'PUT', body, headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      const { stdout } = await run('reset', '--idp', sandbox.idpUrl, '--core', sandbox.coreUrl!);
      expect(stdout).toContain('back to tenant.yaml: 2 users, 1 role;');
      expect(stdout).toContain('The clock and the signing keys are as they were');
      expect(stdout).toContain('mock-core at');
      expect(stdout).toContain('forgot 1 stored resource and every share');
      expect((await fetch(conversation, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
      expect(sandbox.idp.accounts.byEmail('added@example.com')).toBeUndefined();
      expect(existsSync(join(stateDir, 'directory.journal'))).toBe(false);
    } finally {
      await sandbox.stop();
    }
    writeFileSync(join(stateDir, 'directory.json'), '{}');
    expect(existsSync(join(stateDir, 'core'))).toBe(true);
    const stopped = (await run('reset', '--idp', 'http://127.0.0.1:1', '--core', 'http://127.0.0.1:1', '--state-dir', stateDir)).stdout;
    expect(stopped).toContain('removed the stored directory');
    expect(stopped).toContain('removed its stored resources and shares');
    expect(existsSync(join(stateDir, 'directory.json'))).toBe(false);
    expect(existsSync(join(stateDir, 'core'))).toBe(false);
  });
});
