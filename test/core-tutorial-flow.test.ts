import { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ManualClock } from '../common/clock.ts';
import type { Core } from '../mock-core/core.ts';
import type { Models } from '../mock-models/models.ts';
import { startTutorialServices } from './support/core.ts';
import { alice, bob, dialChat, type TestIdp } from './support/idp.ts';

describe('the tutorial flow through mock-core, with the openai SDK as DIAL clients use it', () => {
  let idp: TestIdp;
  let models: Models;
  let core: Core;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ idp, models, core, stop } = await startTutorialServices());
  });
  afterAll(() => stop?.());

  const tokenOf = async (user: typeof alice) =>
    (await idp.token({ grant_type: 'password', ...dialChat, ...user, audience: 'dial-api', scope: 'openid' })).body.access_token!;
  const clientFor = (token: string) =>
    new AzureOpenAI({ endpoint: core.url, apiVersion: '2024-02-01', azureADTokenProvider: async () => token, maxRetries: 0 });
  const ask = (token: string, stream = false) =>
    clientFor(token).chat.completions.create({ model: 'chat-gpt-35-turbo', messages: [{ role: 'user', content: 'Hello, DIAL!' }], stream } as never) as Promise<unknown>;

  it('lets alice (role auth0-role-name) call chat-gpt-35-turbo, and forwards as Core does', async () => {
    const completion = (await ask(await tokenOf(alice))) as { choices: { message: { content: string } }[] };
    expect(completion.choices[0]!.message.content).toBe('Hello, DIAL!');
    const [forwarded] = models.requests('gpt-35-turbo').slice(-1);
    expect(forwarded!.path).toBe('/v1/openai/deployments/gpt-35-turbo/chat/completions');
    expect(forwarded!.query).toEqual({ 'api-version': '2024-02-01' });
    expect(forwarded!.headers['x-upstream-key']).toBe('modelKey1');
    expect(forwarded!.headers['x-upstream-endpoint']).toBe(models.url);
    expect(forwarded!.headers['api-key']).toMatch(/^[\w-]{32}$/);
    expect(forwarded!.headers).not.toHaveProperty('authorization');
  });

  it('streams alice\'s answer through, chunk by chunk', async () => {
    let text = '';
    for await (const chunk of (await ask(await tokenOf(alice), true)) as AsyncIterable<{ choices: { delta: { content?: string } }[] }>) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello, DIAL!');
  });

  it('refuses bob (no role) with 403 "Forbidden deployment: chat-gpt-35-turbo" in plain text', async () => {
    const response = await fetch(`${core.url}/openai/deployments/chat-gpt-35-turbo/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenOf(bob)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toBe('Forbidden deployment: chat-gpt-35-turbo');
    expect(response.headers.get('content-type')).toBeNull();
    await expect(ask(await tokenOf(bob))).rejects.toMatchObject({ status: 403 });
  });

  it('lists the model for alice and hides it from bob; shows the open model to both and the closed one to neither', async () => {
    const listed = async (user: typeof alice) => {
      const response = await fetch(`${core.url}/openai/models`, { headers: { authorization: `Bearer ${await tokenOf(user)}` } });
      expect(response.headers.get('content-type')).toBe('application/json');
      return ((await response.json()) as { data: { id: string }[] }).data.map((m) => m.id).sort();
    };
    expect(await listed(alice)).toEqual(['chat-gpt-35-turbo', 'gpt-4', 'text-embedding-3-small']);
    expect(await listed(bob)).toEqual(['gpt-4', 'text-embedding-3-small']);
  });
});

describe('the tutorial flow with a token limit and an injected clock, JWKS over HTTPS with the sandbox CA', () => {
  // Ahead of the IdP's clock, so the tokens it issues are never "from the future" for Core.
  const clock = new ManualClock(Date.now() + 5_000);
  let idp: TestIdp;
  let core: Core;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ idp, core, stop } = await startTutorialServices({
      jwksOverHttps: true,
      clock,
      editConfig: (config) => {
        ((config.roles as Record<string, { limits: Record<string, unknown> }>)['auth0-role-name']!.limits['chat-gpt-35-turbo'] = { minute: '10' });
      },
    }));
  });
  afterAll(() => stop?.());

  it('answers 429 once alice has used her minute of tokens, and lets her in again once the window has passed', async () => {
    const { access_token } = (await idp.token({ grant_type: 'password', ...dialChat, ...alice, audience: 'dial-api' })).body;
    const client = new AzureOpenAI({ endpoint: core.url, apiVersion: '2024-02-01', azureADTokenProvider: async () => access_token!, maxRetries: 0 });
    const ask = () => client.chat.completions.create({ model: 'chat-gpt-35-turbo', messages: [{ role: 'user', content: 'Hello, DIAL!' }] });
    await ask(); // 9 tokens: under 10
    await ask(); // 18: the next one is over
    await expect(ask()).rejects.toMatchObject({ status: 429, headers: expect.anything() });
    clock.advance(60_000);
    expect((await ask()).choices[0]!.message.content).toBe('Hello, DIAL!');
  });
});
