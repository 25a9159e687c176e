/** `dial-sandbox env --chat` against a running sandbox: the lines a DIAL Chat needs, as docker and Chat read them. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadOrCreateTls } from '../mock-idp/tls.ts';
import { startSandbox, type StartedSandbox } from '../sandbox/index.ts';
import { dockerEnvFile } from './support/env-file.ts';
import { chatStatus } from './support/sandbox-helpers.ts';

const CLI = fileURLToPath(new URL('../bin/dial-sandbox.js', import.meta.url));
const runIn = (cwd: string | undefined, ...args: string[]) => promisify(execFile)(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0' } });
const run = (...args: string[]) => runIn(undefined, ...args);
const failIn = (cwd: string | undefined, ...args: string[]) => runIn(cwd, ...args).then(() => { throw new Error('expected the command to fail'); }, (error: { code: number; stderr: string }) => error);

describe('dial-sandbox env --chat', () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: process.env.SANDBOX_TEST_STATE_DIR });
  });
  afterAll(() => sandbox.stop());

  const stateDir = () => process.env.SANDBOX_TEST_STATE_DIR!;
  const chatEnv = async (cwd?: string, ...more: string[]) => (await runIn(cwd, 'env', '--chat', '--idp', sandbox.idpUrl, '--core', sandbox.coreUrl!, ...more)).stdout;

  it('prints, as docker --env-file reads it, all DIAL Chat needs against the running sandbox', async () => {
    const text = await chatEnv(undefined, '--state-dir', stateDir());
    const values = dockerEnvFile(text);
    expect(Object.fromEntries(values)).toEqual({
      DIAL_API_HOST: sandbox.coreUrl,
      AUTH_AUTH0_HOST: sandbox.issuer.replace(/\/$/, ''),
      AUTH_AUTH0_CLIENT_ID: 'dial-chat',
      AUTH_AUTH0_SECRET: 'dial-chat-secret',
      AUTH_AUTH0_AUDIENCE: 'dial-api',
      AUTH_AUTH0_NAME: 'dial-sandbox',
      NEXTAUTH_URL: 'http://localhost:3000',
      NEXTAUTH_SECRET: expect.stringMatching(/^[\w-]{43}$/),
      NODE_EXTRA_CA_CERTS: sandbox.caFile,
      ENABLED_FEATURES: expect.stringContaining('conversations-section,prompts-section,top-settings,top-clear-conversation,top-chat-info,top-chat-model-settings,empty-chat-settings'),
      DEFAULT_MODEL: 'gpt-4',
      STORAGE_TYPE: 'api',
    });
    // Bare values: no quotes, no trailing comment, nothing a .env.local would expand or trim.
    expect([...values].filter(([, value]) => /["'#$]|^\s|\s$/.test(value))).toEqual([]);
    expect(text).not.toContain('AUTH_AUTH0_CLIENT_SECRET');
    expect(existsSync(values.get('NODE_EXTRA_CA_CERTS')!)).toBe(true);
    // The secret is the same every time for this state folder, so Chat's sessions outlive a restart.
    expect(dockerEnvFile(await chatEnv(undefined, '--state-dir', stateDir())).get('NEXTAUTH_SECRET')).toBe(values.get('NEXTAUTH_SECRET'));
  });

  it('names as DEFAULT_MODEL a model every user of the tenant may call through mock-core', async () => {
    const model = dockerEnvFile(await chatEnv(undefined, '--state-dir', stateDir())).get('DEFAULT_MODEL')!;
    for (const user of ['alice@example.com', 'bob@example.com']) expect(await chatStatus(sandbox.coreUrl!, await sandbox.token(user), model), user).toBe(200);
    // The tutorial's own model would not do: bob may not use it.
    expect(await chatStatus(sandbox.coreUrl!, await sandbox.token('bob@example.com'), 'chat-gpt-35-turbo')).toBe(403);
  });

  it('passes doctor\'s checks of Chat\'s lines', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'chat-env-')), 'chat.env');
    writeFileSync(file, await chatEnv(undefined, '--state-dir', stateDir()));
    const { stdout } = await run('doctor', '--chat-env', file, '--no-probe', '--json');
    const chatFindings = (JSON.parse(stdout) as { check: string; severity: string }[]).filter((f) => /chat|audience|callback/.test(f.check));
    expect(chatFindings).toEqual([]);
  });

  it('resolves the CA from another working folder to an absolute path that exists', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'elsewhere-'));
    const values = dockerEnvFile(await chatEnv(elsewhere, '--state-dir', relative(elsewhere, stateDir())));
    expect(values.get('NODE_EXTRA_CA_CERTS')).toBe(sandbox.caFile);
    expect(isAbsolute(values.get('NODE_EXTRA_CA_CERTS')!)).toBe(true);
  });

  it('refuses a state folder whose CA did not sign the running IdP\'s certificate, and a folder with no CA', async () => {
    const other = mkdtempSync(join(tmpdir(), 'other-ca-'));
    loadOrCreateTls(other, []);
    const wrong = await failIn(undefined, 'env', '--chat', '--idp', sandbox.idpUrl, '--core', sandbox.coreUrl!, '--state-dir', other);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`The CA in ${join(other, 'tls', 'ca.pem')} did not sign the certificate of the IdP at ${sandbox.issuer}`);
    const empty = mkdtempSync(join(tmpdir(), 'no-ca-'));
    const none = await failIn(empty, 'env', '--chat', '--idp', sandbox.idpUrl, '--core', sandbox.coreUrl!, '--state-dir', '.');
    expect(none.stderr).toContain(`No sandbox CA at ${join(realpathSync(empty), 'tls', 'ca.pem')}`);
  });
});
