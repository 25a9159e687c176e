import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type StartedSandbox } from '../sandbox/index.ts';
import { privateStateDir } from './support/sandbox-helpers.ts';

const TOKEN = 'control-token-of-the-test';
const CLI = fileURLToPath(new URL('../bin/dial-sandbox.js', import.meta.url));
const cliEnv = { ...process.env, FORCE_COLOR: '0', SANDBOX_CONTROL_TOKEN: '' };
const run = (args: string[], env: Record<string, string> = {}) => promisify(execFile)(process.execPath, [CLI, ...args], { env: { ...cliEnv, ...env } });
const fail = (args: string[], env: Record<string, string> = {}) => run(args, env).then(() => { throw new Error('expected the command to fail'); }, (error: { code: number; stderr: string }) => error);

type Call = [method: string, path: string, body?: string];
const send = (base: string, [method, path, body]: Call, authorization?: string) =>
  fetch(`${base}${path}`, { method, body, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(authorization ? { authorization } : {}) } });

describe('the control token: every /__control endpoint of every service wants it once set', () => {
  let sandbox: StartedSandbox;
  let stateDir: string;
  beforeAll(async () => {
    stateDir = privateStateDir('control-token');
    sandbox = await startSandbox(undefined, { stateDir, controlToken: TOKEN });
  });
  afterAll(() => sandbox.stop());

  const idpCalls: Call[] = [
    ['POST', '/__control/tokens', '{"user":"alice@example.com"}'],
    ['GET', '/__control/log'],
    ['DELETE', '/__control/log'],
    ['GET', '/__control/scenarios'],
    ['PUT', '/__control/scenario', '{"name":"token-500"}'],
    ['DELETE', '/__control/scenario'],
    ['GET', '/__control/clock'],
    ['PUT', '/__control/clock', '{"advance_seconds":0}'],
    ['POST', '/__control/reset'],
    ['GET', '//__control/log'], // next-auth's double slash, collapsed
    ['GET', '/__CONTROL/LOG'], // Express routes ignore case
  ];
  const modelsCalls: Call[] = [
    ['GET', '/__control/models'],
    ['PUT', '/__control/models/gpt-4/fault', '{"latencyMs":0}'],
    ['DELETE', '/__control/models/gpt-4/fault'],
    ['GET', '/__control/models/gpt-35-turbo/requests'],
    ['DELETE', '/__control/models/gpt-35-turbo/requests'],
    ['POST', '/__control/reset'],
    ['GET', '/%5F%5Fcontrol/models'], // segments are matched decoded
  ];
  const coreCalls: Call[] = [
    ['GET', '/__control/log'],
    ['DELETE', '/__control/log'],
  ];

  it.each(idpCalls)('mock-idp %s %s: 401 in Auth0\'s shape without the token or with another; answered with it', async (...call) => {
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
      const refused = await send(sandbox.idpUrl, call, authorization);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="dial-sandbox control"');
      expect(await refused.json()).toEqual({ error: 'unauthorized', error_description: expect.stringContaining('control token') });
    }
    expect((await send(sandbox.idpUrl, call, `Bearer ${TOKEN}`)).status).toBe(200);
    expect((await send(sandbox.idpUrl, call, `bearer ${TOKEN}`)).status).toBe(200);
  });

  it.each(modelsCalls)('mock-models %s %s: 401 in OpenAI\'s shape without the token; answered with it', async (...call) => {
    const refused = await send(sandbox.modelsUrl, call, 'Bearer wrong');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: { message: expect.stringContaining('control token'), type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    expect((await send(sandbox.modelsUrl, call)).status).toBe(401);
    expect((await send(sandbox.modelsUrl, call, `Bearer ${TOKEN}`)).status).toBeLessThan(300);
  });

  it.each(coreCalls)('mock-core %s %s: 401 as Core sends errors (plain text, no Content-Type) without the token; answered with it', async (...call) => {
    const refused = await send(sandbox.coreUrl!, call);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toBeNull();
    expect(await refused.text()).toContain('control token');
    expect((await send(sandbox.coreUrl!, call, 'Bearer wrong')).status).toBe(401);
    expect((await send(sandbox.coreUrl!, call, `Bearer ${TOKEN}`)).status).toBe(200);
  });

  it('leaves everything else as open as before: logins, the stub models, Core', async () => {
    expect((await fetch(`${sandbox.idpUrl}/healthz`)).status).toBe(200);
    const token = await sandbox.token('alice@example.com');
    const chat = await fetch(`${sandbox.coreUrl}/openai/deployments/chat-gpt-35-turbo/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"messages":[{"role":"user","content":"hi"}]}',
    });
    expect(chat.status).toBe(200);
  });

  it('the CLI sends it from --control-token or SANDBOX_CONTROL_TOKEN, and says what is missing without it', async () => {
    const urls = ['--idp', sandbox.idpUrl, '--core', sandbox.coreUrl!];
    const refused = await fail(['logs', ...urls]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`The sandbox at ${sandbox.idpUrl} wants its control token: pass it with --control-token <token> or SANDBOX_CONTROL_TOKEN.`);
    expect((await run(['logs', '--json', ...urls, '--control-token', TOKEN])).stdout).toContain('"idp"');
    expect((await run(['logs', '--json', ...urls], { SANDBOX_CONTROL_TOKEN: TOKEN })).stdout).toContain('"core"');

    const idp = ['--idp', sandbox.idpUrl];
    expect((await fail(['token', '--client', 'ci-runner', ...idp])).stderr).toContain('wants its control token');
    expect((await run(['token', '--client', 'ci-runner', '--decode', ...idp, '--control-token', TOKEN])).stdout).toContain('"sub": "ci-runner@clients"');
    expect((await run(['scenario', '--list', ...idp], { SANDBOX_CONTROL_TOKEN: TOKEN })).stdout).toContain('jwks-503');
    expect((await run(['clock', ...idp, '--control-token', TOKEN])).stdout).toMatch(/running, 0 s ahead/);
  });

  it('dial-sandbox reset without the token changes nothing (the state file of the running IdP stays); with it, resets', async () => {
    const file = join(stateDir, 'directory.json');
    writeFileSync(file, JSON.stringify({ users: sandbox.idp.directory.users, roles: sandbox.idp.directory.roles }));
    const idp = ['--idp', sandbox.idpUrl, '--core', sandbox.coreUrl!, '--state-dir', stateDir];
    expect((await fail(['reset', ...idp])).stderr).toContain('wants its control token');
    expect(existsSync(file)).toBe(true);
    expect((await run(['reset', ...idp, '--control-token', TOKEN])).stdout).toContain('back to tenant.yaml');
  });
});

describe('binding beyond loopback', () => {
  /** What `up` prints to stderr from its start until Ctrl-C stops it (sent once the summary is out). */
  async function upStderr(...args: string[]): Promise<string> {
    const child = spawn(process.execPath, [CLI, 'up', '--idp-http-port', '0', '--idp-https-port', '0', '--models-port', '0', '--core-port', '0', '--no-console', '--state-dir', process.env.SANDBOX_TEST_STATE_DIR!, ...args], { env: cliEnv });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (/Ctrl-C stops/.test(stdout)) child.kill('SIGINT');
    });
    const [code] = await once(child, 'close'); // every byte written before the exit has been read by then
    expect(code, stderr).toBe(0);
    return stderr;
  }

  it('up --host 0.0.0.0 says at start, loudly, what anyone who reaches the ports can do, and how to close /__control', async () => {
    const stderr = await upStderr('--host', '0.0.0.0');
    expect(stderr).toContain('WARNING: listening on 0.0.0.0, every network interface, not on loopback only. Anyone who can reach these ports can:');
    expect(stderr).toContain('mint an access token for any user with any claims and roles');
    expect(stderr).toContain('prompts and upstream keys included');
    expect(stderr).toContain('mock-core: read every request Core decided');
    expect(stderr).toContain('The /__control endpoints answer anyone: start with --control-token <token> (or SANDBOX_CONTROL_TOKEN) to make them want it.');
  });

  it('up --host 0.0.0.0 --control-token: the warning says the control endpoints want the token, and what stays open', async () => {
    const stderr = await upStderr('--host', '0.0.0.0', '--control-token', TOKEN);
    expect(stderr).toContain('WARNING: listening on 0.0.0.0');
    expect(stderr).toContain('The /__control endpoints (minting tokens, logs, recorded requests, reset, scenarios, clock, faults) want the control token.');
    expect(stderr).toContain('log in as any tenant user and use the Management API');
    expect(stderr).not.toContain('mint an access token');
  });
});
