import { describe, expect, it } from 'vitest';

import { startMain } from './support/main-process.ts';

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
});
