import { generateKeyPairSync } from 'node:crypto';

import { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';

import { targetUnavailable, startTarget, TARGET_NAME, type Target } from './target.ts';

const unavailable = await targetUnavailable();
if (unavailable) console.warn(`[e2e] ${TARGET_NAME} target skipped: ${unavailable}`);

describe.skipIf(Boolean(unavailable))(`role-restricted access through DIAL Core (${TARGET_NAME} target)${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let target: Target;
  beforeAll(async () => {
    target = await startTarget();
  }, 300_000);
  afterAll(() => target?.stop());

  const chat = (headers: Record<string, string>, deployment = 'chat-gpt-35-turbo', stream = false) =>
    fetch(`${target.coreUrl}/openai/deployments/${deployment}/chat/completions?api-version=2024-02-01`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'Hello, DIAL!' }], stream }),
    });
  const as = async (email: string) => ({ authorization: `Bearer ${await target.token(email)}` });

  it('lets alice call the model her role opens, streaming and not (openai SDK as the client)', async () => {
    const token = await target.token('alice@example.com');
    const dial = new AzureOpenAI({ endpoint: target.coreUrl, apiVersion: '2024-02-01', azureADTokenProvider: async () => token, maxRetries: 0 });
    const completion = await dial.chat.completions.create({ model: 'chat-gpt-35-turbo', messages: [{ role: 'user', content: 'Hello, DIAL!' }] });
    expect(completion.choices[0]!.message.content).toBe('Hello, DIAL!');
    let streamed = '';
    for await (const chunk of await dial.chat.completions.create({ model: 'chat-gpt-35-turbo', messages: [{ role: 'user', content: 'Hello, DIAL!' }], stream: true })) {
      streamed += chunk.choices[0]?.delta.content ?? '';
    }
    expect(streamed).toBe('Hello, DIAL!');
  });

  it('refuses bob the model with 403 "Forbidden deployment"', async () => {
    const response = await chat(await as('bob@example.com'));
    expect(response.status).toBe(403);
    expect(await response.text()).toBe('Forbidden deployment: chat-gpt-35-turbo');
  });

  it('lists to each user only the models they may use', async () => {
    const listed = async (email: string) =>
      ((await (await fetch(`${target.coreUrl}/openai/models`, { headers: await as(email) })).json()) as { data: { id: string }[] }).data.map((m) => m.id).sort();
    expect(await listed('alice@example.com')).toEqual(['chat-gpt-35-turbo', 'gpt-4', 'text-embedding-3-small']);
    expect(await listed('bob@example.com')).toEqual(['gpt-4', 'text-embedding-3-small']);
  });

  it('answers 401 without a token, and to a token signed by a key the IdP never published', async () => {
    const none = await chat({});
    expect([none.status, await none.text()]).toEqual([401, 'At least API-KEY or Authorization header must be provided']);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await new SignJWT({ dial_roles: ['auth0-role-name'] }).setProtectedHeader({ alg: 'RS256', kid: 'not-a-sandbox-key' }).setSubject('auth0|mallory').setIssuer(target.issuer).setExpirationTime('1h').sign(privateKey);
    const answer = await chat({ authorization: `Bearer ${forged}` });
    expect([answer.status, await answer.text()]).toEqual([401, 'Bad Authorization header']);
  });

  it.skipIf(TARGET_NAME !== 'embedded')(`answers 401 to an expired token signed with the real key${TARGET_NAME !== 'embedded' ? ' — skipped: it signs with the embedded IdP\'s key in this process' : ''}`, async () => {
    const key = target.embedded!.idp.keys.current;
    const expired = await new SignJWT({ dial_roles: ['auth0-role-name'] }).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).setSubject('auth0|alice').setIssuer(target.issuer).setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(key.privateKey);
    expect((await chat({ authorization: `Bearer ${expired}` })).status).toBe(401);
  });

  it('lets the CI API key (role auth0-role-name) call the model', async () => {
    expect((await chat({ 'api-key': 'ci-api-key' })).status).toBe(200);
  });

  it("answers 429 once the default role's 100 requests an hour on gpt-4 are used", async () => {
    const headers = await as('bob@example.com');
    // What is left of the hour (an external Core keeps its count across runs): Core's own figures.
    const limits = (await (await fetch(`${target.coreUrl}/v1/deployments/gpt-4/limits`, { headers })).json()) as { hourRequestStats: { total: number; used: number } };
    expect(limits.hourRequestStats.total).toBe(100);
    for (let i = limits.hourRequestStats.used; i < 100; i++) expect((await chat(headers, 'gpt-4')).status).toBe(200);
    const limited = await chat(headers, 'gpt-4');
    expect(limited.status).toBe(429);
    expect(JSON.parse(await limited.text()).error.message).toMatch(/^Hit request rate limit\. Hour limit: 100 \/ 100 requests\./);
  });
});
