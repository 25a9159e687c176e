import { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type StartedSandbox } from '../sandbox/index.ts';
import { loginThroughBrowser } from './support/browser.ts';

const CALLBACK = 'http://localhost:3000/api/auth/callback/auth0';

describe('request logs of mock-idp and mock-core (/__control/log)', () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: process.env.SANDBOX_TEST_STATE_DIR });
  });
  afterAll(() => sandbox.stop());

  it('records each token request with who asked and the token issued, never a secret or a whole token', async () => {
    const token = await sandbox.token('alice@example.com');
    await fetch(`${sandbox.idpUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'password', client_id: 'dial-chat', client_secret: 'dial-chat-secret', username: 'alice@example.com', password: 'nope', audience: 'dial-api' }) });
    const text = await (await fetch(`${sandbox.idpUrl}/__control/log`)).text();
    const [ok, denied] = JSON.parse(text) as Record<string, any>[];
    expect(ok).toMatchObject({ endpoint: '/oauth/token', grant_type: 'password', client_id: 'dial-chat', user: 'alice@example.com', audience: 'dial-api', status: 200 });
    expect(ok!.access_token.claims.dial_roles).toEqual(['auth0-role-name']);
    expect(ok!.access_token.signature).toMatch(/… \(cut\)$/);
    expect(denied).toMatchObject({ status: 403, error: 'invalid_grant: Wrong email or password.' });
    for (const secret of ['dial-chat-secret', 'nope', token, token.split('.')[2]!]) expect(text).not.toContain(secret);
  });

  it('names the client, the user and the audience of every grant, also when only the IdP knows them (HTTP Basic, a refresh token)', async () => {
    const tokenRequest = (body: Record<string, string>, basic: string) =>
      fetch(`${sandbox.idpUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(basic).toString('base64')}` }, body: new URLSearchParams(body).toString() });
    const login = (await (await tokenRequest({ grant_type: 'password', username: 'alice@example.com', password: 'alice', audience: 'dial-api', scope: 'openid offline_access' }, 'dial-chat:dial-chat-secret')).json()) as { refresh_token: string };
    await tokenRequest({ grant_type: 'refresh_token', refresh_token: login.refresh_token }, 'dial-chat:dial-chat-secret');
    await tokenRequest({ grant_type: 'client_credentials', audience: 'dial-api' }, 'ci-runner:ci-runner-secret');
    const authorize = new URL(`${sandbox.issuer}authorize`);
    authorize.search = new URLSearchParams({ response_type: 'code', client_id: 'dial-chat', redirect_uri: CALLBACK, scope: 'openid', audience: 'dial-api' }).toString();
    const landing = await loginThroughBrowser(authorize, { email: 'bob@example.com', password: 'bob' }, CALLBACK);
    await tokenRequest({ grant_type: 'authorization_code', code: landing.url.searchParams.get('code')!, redirect_uri: CALLBACK }, 'dial-chat:dial-chat-secret');
    const [password, refresh, m2m, code] = ((await (await fetch(`${sandbox.idpUrl}/__control/log`)).json()) as Record<string, any>[]).slice(-4);
    expect(password).toMatchObject({ grant_type: 'password', client_id: 'dial-chat', user: 'alice@example.com', audience: 'dial-api', status: 200 });
    expect(refresh).toMatchObject({ grant_type: 'refresh_token', client_id: 'dial-chat', user: 'alice@example.com', audience: 'dial-api', status: 200 });
    expect(m2m).toMatchObject({ grant_type: 'client_credentials', client_id: 'ci-runner', audience: 'dial-api', status: 200 });
    expect(m2m).not.toHaveProperty('user');
    expect(code).toMatchObject({ grant_type: 'authorization_code', client_id: 'dial-chat', user: 'bob@example.com', audience: 'dial-api', status: 200 });
  });

  it('records the answer as sent: a fault scenario\'s status, and the token as a token-* scenario spoiled it', async () => {
    const scenario = (name: string | null) => fetch(`${sandbox.idpUrl}/__control/scenario`, name ? { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) } : { method: 'DELETE' });
    const lastIdpEntry = async () => ((await (await fetch(`${sandbox.idpUrl}/__control/log`)).json()) as Record<string, any>[]).at(-1);
    try {
      await scenario('token-500');
      await expect(sandbox.token('alice@example.com')).rejects.toThrow(/500/);
      expect(await lastIdpEntry()).toMatchObject({ endpoint: '/oauth/token', status: 500 });
      await scenario('token-alg-none');
      await sandbox.token('alice@example.com');
      expect((await lastIdpEntry())!.access_token.header).toMatchObject({ alg: 'none' });
    } finally {
      await scenario(null);
    }
  });

  it("records Core's decisions: the caller as Core saw it, the rule that let it in or kept it out, and why", async () => {
    // alice through the openai SDK, as an application would call Core.
    const alice = await sandbox.token('alice@example.com');
    const client = new AzureOpenAI({ endpoint: sandbox.coreUrl, apiVersion: '2024-02-01', azureADTokenProvider: async () => alice, maxRetries: 0 });
    await client.chat.completions.create({ model: 'chat-gpt-35-turbo', messages: [{ role: 'user', content: 'hi' }] });
    expect(((await (await fetch(`${sandbox.coreUrl}/__control/log`)).json()) as Record<string, any>[]).at(-1)).toMatchObject({
      status: 200, rule: 'chat-gpt-35-turbo: userRoles ["auth0-role-name"] has the caller\'s "auth0-role-name"', caller: { roles: ['auth0-role-name'] },
    });
    const bob = await sandbox.token('bob@example.com');
    await fetch(`${sandbox.coreUrl}/openai/deployments/chat-gpt-35-turbo/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${bob}`, 'content-type': 'application/json' }, body: '{"messages":[]}',
    });
    await fetch(`${sandbox.coreUrl}/openai/models`, { headers: { authorization: 'Bearer not-a-jwt' } });
    const entries = (await (await fetch(`${sandbox.coreUrl}/__control/log`)).json()) as Record<string, any>[];
    expect(entries.at(-2)).toMatchObject({
      method: 'POST', path: '/openai/deployments/chat-gpt-35-turbo/chat/completions', status: 403, reason: 'Forbidden deployment: chat-gpt-35-turbo',
      rule: 'chat-gpt-35-turbo: userRoles ["auth0-role-name"] has none of the caller\'s roles []',
      caller: { kind: 'user', provider: 'auth0', roles: [], sub: expect.stringMatching(/^auth0\|/) },
    });
    expect(entries.at(-2)!.caller.userHash).toMatch(/^[0-9a-f]{64}$/);
    expect(entries.at(-1)).toMatchObject({ status: 401, reason: 'Bad Authorization header', token: { opaque: '9 characters, not a JWT' } });
    expect((await (await fetch(`${sandbox.coreUrl}/__control/log`, { method: 'DELETE' })).json())).toEqual([]);
  });
});
