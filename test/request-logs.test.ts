
import { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ManualClock } from '../common/clock.ts';
import type { Core } from '../mock-core/core.ts';
import { formatLogs } from '../sandbox/commands/logs.ts';
import { startSandbox, type StartedSandbox } from '../sandbox/index.ts';
import { call, startCoreWith } from './support/core-alone.ts';
import { makeKey, signToken, startJwksServer, unsigned, type JwksServer, type TestKey } from './support/jwks-server.ts';
import { loginThroughBrowser } from './support/browser.ts';
import { closedPort } from './support/ports.ts';

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

// Core answers every refused token with the same 401 "Bad Authorization header" and says why only in its
// own server log; mock-core keeps that why as the entry's `cause`, never in the answer.
describe("mock-core's request log says why a token was refused (`cause`), Core's answer unchanged", () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
  const now = Math.floor(clock.now() / 1000);
  let jwks: JwksServer;
  let core: Core;
  let jwksDown: Core;
  let closedJwksUrl: string;
  let key: TestKey;
  const claims = (extra: Record<string, unknown> = {}) => ({ sub: 'auth0|alice', aud: 'dial-api', roles: ['r1'], exp: now + 600, iat: now - 10, ...extra });

  beforeAll(async () => {
    key = makeKey('key-a');
    jwks = await startJwksServer([key]);
    core = await startCoreWith({ identityProviders: { auth0: { jwksUrl: jwks.url, rolePath: 'roles', audience: 'dial-api' } } }, { models: {} }, clock);
    // Nothing answers there, as at a JWKS that is down.
    closedJwksUrl = `http://127.0.0.1:${await closedPort()}/.well-known/jwks.json`;
    jwksDown = await startCoreWith({ identityProviders: { auth0: { jwksUrl: closedJwksUrl, rolePath: 'roles' } } }, { models: {} }, clock);
  });
  afterAll(async () => {
    await core?.stop();
    await jwksDown?.stop();
    await jwks?.stop();
  });

  /** Core's answer to the token at /v1/user/info, and the log entry mock-core kept of that request. */
  async function refused(at: Core, token: string) {
    const answer = await call(`${at.url}/v1/user/info`, { headers: { authorization: `Bearer ${token}` } });
    const entry = ((await (await fetch(`${at.url}/__control/log`)).json()) as Record<string, any>[]).at(-1)!;
    return { answer: { status: answer.status, body: answer.body, contentType: answer.contentType, headers: [...answer.headers.keys()].sort() }, entry };
  }

  const cases: [string, () => { at: Core; token: string; cause: string | RegExp }][] = [
    ['the JWKS is down', () => ({ at: jwksDown, token: signToken(key, claims()), cause: `the JWKS at ${closedJwksUrl} did not answer (ECONNREFUSED)` })],
    ['the kid is not in the JWKS', () => ({ at: core, token: signToken(key, claims(), { kid: 'key-z' }), cause: `kid key-z is not in the JWKS at ${jwks.url} (its kids: key-a)` })],
    ['the token expired', () => ({ at: core, token: signToken(key, claims({ exp: now - 180 })), cause: `expired 3 min ago (exp ${new Date((now - 180) * 1000).toISOString()})` })],
    ['the token is not valid yet', () => ({ at: core, token: signToken(key, claims({ nbf: now + 7200 })), cause: /^not valid yet: nbf \S+ is 2\.0 h ahead of Core's clock$/ })],
    ['alg none', () => ({ at: core, token: unsigned({ alg: 'none', kid: 'key-a' }, claims()), cause: 'alg none: Core takes RS256 only' })],
    ['alg RS384', () => ({ at: core, token: signToken(key, claims(), { alg: 'RS384' }), cause: 'alg RS384: Core takes RS256 only' })],
    ['the signature is not the key\'s', () => ({ at: core, token: signToken(makeKey('key-a'), claims()), cause: 'the signature does not verify with the key kid key-a' })],
    ['the audience is another', () => ({ at: core, token: signToken(key, claims({ aud: ['other-api'] })), cause: 'aud is ["other-api"], the provider wants "dial-api"' })],
    ['no kid', () => ({ at: core, token: signToken(key, claims(), { kid: undefined }), cause: `the token's header has no kid: Core finds the key at ${jwks.url} by kid` })],
  ];

  it.each(cases)('%s: the entry names the cause beside Core\'s words', async (_name, make) => {
    const { at, token, cause } = make();
    const { answer, entry } = await refused(at, token);
    // Exactly Core's answer: 401, its words as plain text with no Content-Type, nothing said of the cause.
    expect(answer).toMatchObject({ status: 401, body: 'Bad Authorization header', contentType: null });
    expect(entry).toMatchObject({ path: '/v1/user/info', status: 401, reason: 'Bad Authorization header' });
    expect(entry.cause).toEqual(typeof cause === 'string' ? cause : expect.stringMatching(cause));
  });

  it('answers every refusal alike, whatever the cause: same status, body and header names', async () => {
    const answers = [];
    for (const [, make] of cases) {
      const { at, token } = make();
      answers.push((await refused(at, token)).answer);
    }
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  });

  it('keeps no cause for a token Core accepts, nor for an answer that says it all', async () => {
    const { entry: accepted } = await refused(core, signToken(key, claims()));
    expect(accepted.status).toBe(200);
    expect(accepted).not.toHaveProperty('cause');
    await call(`${core.url}/v1/user/info`);
    const entry = ((await (await fetch(`${core.url}/__control/log`)).json()) as Record<string, any>[]).at(-1)!;
    expect(entry).toMatchObject({ status: 401, reason: 'At least API-KEY or Authorization header must be provided' });
    expect(entry).not.toHaveProperty('cause');
  });

  it('`dial-sandbox logs` prints the cause after Core\'s words, and no empty "others" in a token summary', async () => {
    const { entry } = await refused(core, signToken(key, claims({ exp: now - 180 })));
    const line = formatLogs([], [entry]);
    expect(line).toContain(`→ 401 "Bad Authorization header" [cause: expired 3 min ago (exp ${new Date((now - 180) * 1000).toISOString()})]`);
    const idpEntry = (claims: Record<string, unknown>) => ({ at: entry.at, endpoint: '/oauth/token', grant_type: 'password', client_id: 'dial-chat', status: 200, access_token: { claims } });
    const plain = formatLogs([idpEntry({ sub: 'auth0|a', aud: 'dial-api', iat: 1, scope: 'openid' })], []);
    expect(plain).toContain('token {"sub":"auth0|a","aud":"dial-api"}');
    expect(plain).not.toContain('others');
    expect(formatLogs([idpEntry({ sub: 'auth0|a', email: 'a@example.com' })], [])).toContain('"others":["email"]');
  });
});
