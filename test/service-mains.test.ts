import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Starts a service's main.ts as compose does, and resolves with its "listening" line. */
async function startMain(main: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', main], { cwd: ROOT, env: { ...process.env, SANDBOX_STATE_DIR: process.env.SANDBOX_TEST_STATE_DIR!, ...env } });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`${main} exited with ${code}`)));
  });
  return { line, stop: async () => { child.kill('SIGTERM'); const [code] = await once(child, 'exit'); return code; } };
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

  it('mock-models/main.ts serves the environment\'s stub models', async () => {
    const models = await startMain('mock-models/main.ts', { SANDBOX_MODELS_PORT: '0' });
    expect(models.line).toMatch(/listening: http:\/\/127\.0\.0\.1:\d+ \(gpt-35-turbo, gpt-4, text-embedding-3-small\)/);
    expect(await models.stop()).toBe(0);
  });
});
