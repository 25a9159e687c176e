import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DEFAULT_ENVIRONMENT } from '../common/environment-folder.ts';
import { startMain } from './support/main-process.ts';

/** A copy of the default environment with some of its files replaced. */
function environmentWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'service-main-'));
  cpSync(DEFAULT_ENVIRONMENT, dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A main that refuses to start: its exit code and what it wrote to stderr. */
async function refusal(main: string, env: Record<string, string>): Promise<{ code: unknown; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', main], { env: { ...process.env, SANDBOX_STATE_DIR: process.env.SANDBOX_TEST_STATE_DIR!, ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.on('data', (chunk) => (stderr += `unexpected stdout: ${chunk}`));
  const [code] = await once(child, 'exit');
  return { code, stderr };
}

describe("the services' own processes (compose's entry points)", () => {
  it('mock-idp/main.ts takes the domain and browser origin compose gives it: one issuer, browser-facing /authorize', async () => {
    const idp = await startMain('mock-idp/main.ts', {
      SANDBOX_IDP_HTTP_PORT: '0', SANDBOX_IDP_HTTPS_PORT: '0', SANDBOX_DOMAIN: 'dial-sandbox.eu.auth0.com', SANDBOX_BROWSER_ORIGIN: 'https://localhost:4443', SANDBOX_TLS_NAMES: 'idp',
    });
    const httpUrl = /(http:\/\/127\.0\.0\.1:\d+)/.exec(idp.line)![1]!;
    const discovery = (await (await fetch(`${httpUrl}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(discovery).toMatchObject({
      issuer: 'https://dial-sandbox.eu.auth0.com/',
      authorization_endpoint: 'https://localhost:4443/authorize',
      token_endpoint: 'https://dial-sandbox.eu.auth0.com/oauth/token',
      jwks_uri: 'https://dial-sandbox.eu.auth0.com/.well-known/jwks.json',
    });
    expect(await idp.stop()).toBe(0);
  });

  it('mock-idp/main.ts lets DIAL Chat log in from SANDBOX_CHAT_ORIGIN (compose with Chat on another host port) besides the tenant\'s own URL', async () => {
    const idp = await startMain('mock-idp/main.ts', { SANDBOX_IDP_HTTP_PORT: '0', SANDBOX_IDP_HTTPS_PORT: '0', SANDBOX_CHAT_ORIGIN: 'http://localhost:3100' });
    const httpUrl = /(http:\/\/127\.0\.0\.1:\d+)/.exec(idp.line)![1]!;
    const authorize = (redirectUri: string) =>
      fetch(`${httpUrl}/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'dial-chat', redirect_uri: redirectUri, scope: 'openid' })}`, { redirect: 'manual' });
    for (const origin of ['http://localhost:3100', 'http://localhost:3000']) {
      const answer = await authorize(`${origin}/api/auth/callback/auth0`);
      expect([origin, answer.status, new URL(answer.headers.get('location') ?? '/', httpUrl).pathname]).toEqual([origin, 303, '/u/login']);
    }
    expect((await authorize('http://localhost:3200/api/auth/callback/auth0')).status).toBe(400);
    expect(await idp.stop()).toBe(0);
  });

  it('mock-core/main.ts reads its settings as DIAL Core does (AIDIAL_SETTINGS, then aidial.* variables) and serves Core\'s API', async () => {
    const core = await startMain('mock-core/main.ts', {
      SANDBOX_CORE_PORT: '0',
      AIDIAL_SETTINGS: join(DEFAULT_ENVIRONMENT, 'core', 'aidial.settings.json'),
      'aidial.config.files': JSON.stringify([join(DEFAULT_ENVIRONMENT, 'core', 'aidial.config.json')]),
      'aidial.identityProviders.auth0.jwksUrl': 'http://idp:4000/.well-known/jwks.json',
    });
    const url = /listening: (http:\/\/127\.0\.0\.1:\d+)/.exec(core.line)![1]!;
    const deployments = (key: string) => fetch(`${url}/openai/deployments`, { headers: { 'api-key': key } });
    const listed = (await (await deployments('ci-api-key')).json()) as { data: { id: string }[] };
    expect(listed.data.map((d) => d.id)).toContain('chat-gpt-35-turbo');
    expect((await deployments('no-such-key')).status).toBe(401);
    expect(await core.stop()).toBe(0);
  });

  it('mock-models/main.ts serves the environment\'s stub models', async () => {
    const models = await startMain('mock-models/main.ts', { SANDBOX_MODELS_PORT: '0' });
    expect(models.line).toMatch(/listening: http:\/\/127\.0\.0\.1:\d+ \(gpt-35-turbo, gpt-4, text-embedding-3-small\)/);
    expect(await models.stop()).toBe(0);
  });

  it('a main bound beyond loopback (SANDBOX_HOST, as in a container) says so at start, and SANDBOX_CONTROL_TOKEN closes its /__control endpoints', async () => {
    const models = await startMain('mock-models/main.ts', { SANDBOX_MODELS_PORT: '0', SANDBOX_HOST: '0.0.0.0', SANDBOX_CONTROL_TOKEN: 'the-token' });
    const warning = await new Promise<string>((resolve) => {
      let err = '';
      models.child.stderr!.on('data', (chunk) => {
        err += chunk;
        if (err.includes('want the control token.')) resolve(err);
      });
    });
    expect(warning).toContain('[mock-models] WARNING: listening on 0.0.0.0, every network interface, not on loopback only.');
    const port = /listening: http:\/\/0\.0\.0\.0:(\d+)/.exec(models.line)![1]!;
    const control = (authorization?: string) => fetch(`http://127.0.0.1:${port}/__control/models`, { headers: authorization ? { authorization } : {} }).then((r) => r.status);
    expect(await control()).toBe(401);
    expect(await control('Bearer the-token')).toBe(200);
    expect(await models.stop()).toBe(0);
  });

  it("each main reads only its own files: it starts beside the others' mistakes and a broken Core settings file", async () => {
    const broken = { 'core/aidial.settings.json': '{' };
    const models = await startMain('mock-models/main.ts', { SANDBOX_ENV: environmentWith({ ...broken, 'tenant.yaml': 'users: [\n' }), SANDBOX_MODELS_PORT: '0' });
    expect(models.line).toMatch(/listening: http:\/\/127\.0\.0\.1:\d+ \(gpt-35-turbo, gpt-4, text-embedding-3-small\)/);
    expect(await models.stop()).toBe(0);
    const idp = await startMain('mock-idp/main.ts', { SANDBOX_ENV: environmentWith({ ...broken, 'models.yaml': 'models: [\n' }), SANDBOX_IDP_HTTP_PORT: '0', SANDBOX_IDP_HTTPS_PORT: '0' });
    expect(idp.line).toMatch(/listening: issuer https:\/\/localhost:\d+\//);
    expect(await idp.stop()).toBe(0);
  });

  it('mock-models/main.ts refuses a models.yaml mistake, located at file:line:col', async () => {
    const env = environmentWith({ 'models.yaml': 'models:\n  broken:\n    reply: { txt: hi }\n' });
    const { code, stderr } = await refusal('mock-models/main.ts', { SANDBOX_ENV: env, SANDBOX_MODELS_PORT: '0' });
    expect(code).toBe(1);
    expect(stderr).toContain('[mock-models] The models file has 1 problem(s):');
    expect(stderr).toMatch(/models\.yaml:3:12 {2}\$\.models\.broken\.reply {2}a reply is "echo"/);
  });

  it('mock-idp/main.ts refuses a tenant.yaml mistake, located at file:line:col, and a folder that is no environment', async () => {
    const env = environmentWith({ 'tenant.yaml': 'users:\n  - email: 42\n' });
    const broken = await refusal('mock-idp/main.ts', { SANDBOX_ENV: env, SANDBOX_IDP_HTTP_PORT: '0', SANDBOX_IDP_HTTPS_PORT: '0' });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/\[mock-idp\] The tenant file has \d+ problem\(s\):/);
    expect(broken.stderr).toMatch(/tenant\.yaml:2:12 {2}\$\.users\[0\]\.email {2}Invalid input: expected string, received number\n/);
    const empty = mkdtempSync(join(tmpdir(), 'service-main-'));
    const none = await refusal('mock-idp/main.ts', { SANDBOX_ENV: empty });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`[mock-idp] ${empty} is not an environment folder: it has no tenant.yaml. Start from environments/auth0-tutorial.\n`);
  });
});
