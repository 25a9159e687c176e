import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ManualClock } from '../common/clock.ts';
import type { Core } from '../mock-core/core.ts';
import type { Models } from '../mock-models/models.ts';
import { countPromptTokens, countTokens } from '../mock-models/tokenizer.ts';
import { call, startCoreWith } from './support/core-alone.ts';
import { makeKey, signToken, startJwksServer, type JwksServer } from './support/jwks-server.ts';
import { startTestModels } from './support/models.ts';

// docs/dial-core.md#rate-limits, docs/dial-core.md#limit-answers, docs/dial-core.md#token-usage,
// docs/dial-core.md#forwarding, docs/dial-core.md#retries, docs/dial-core.md#upstream-balancing.
describe('mock-core limits and forwarding', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
  const key = makeKey('k');
  let jwks: JwksServer;
  let models: Models;
  let core: Core;
  const headersFor = (sub: string, roles: string[] = []) => ({
    authorization: `Bearer ${signToken(key, { sub, dial_roles: roles, iat: Math.floor(clock.now() / 1000) - 5 })}`,
    'content-type': 'application/json',
  });
  const content = 'one two three';
  const chat = (deployment: string, headers: Record<string, string>, stream = false) =>
    call(`${core.url}/openai/deployments/${deployment}/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ messages: [{ role: 'user', content }], stream }) });
  // What one call costs: the stub echoes, so prompt and completion are known to the token.
  const promptTokens = countPromptTokens([{ role: 'user', content }]);
  const perCall = promptTokens + countTokens(content);
  // …and in dollars, at 1 cent per prompt token and 2 per completion token: whole cents.
  const centsPerCall = promptTokens + 2 * countTokens(content);
  const dollars = (cents: number) => (cents / 100).toFixed(2);

  beforeAll(async () => {
    jwks = await startJwksServer([key]);
    models = await startTestModels();
    const stub = (extra: Record<string, unknown> = {}) => ({ type: 'chat', endpoint: `${models.url}/openai/deployments/gpt-35-turbo/chat/completions`, upstreams: [{ endpoint: models.url, key: 'modelKey1' }], ...extra });
    core = await startCoreWith(
      { identityProviders: { auth0: { jwksUrl: jwks.url, rolePath: 'dial_roles' } } },
      {
        models: {
          tokens: stub(),
          requests: stub(),
          roles: stub(),
          retrying: stub({ maxRetryAttempts: 2, upstreams: [{ endpoint: `${models.url}#1`, key: 'modelKey1' }, { endpoint: `${models.url}#2`, key: 'modelKey1' }] }),
          single: stub(),
          // Two upstreams and Core's default attempts for a model (5, so here 2).
          pair: stub({ upstreams: [{ endpoint: `${models.url}#1`, key: 'modelKey1' }, { endpoint: `${models.url}#2`, key: 'modelKey1' }] }),
          'pair-once': stub({ maxRetryAttempts: 1, upstreams: [{ endpoint: `${models.url}#1`, key: 'modelKey1' }, { endpoint: `${models.url}#2`, key: 'modelKey1' }] }),
          tiered: stub({ maxRetryAttempts: 1, upstreams: [{ endpoint: `${models.url}#main`, key: 'modelKey1' }, { endpoint: `${models.url}#backup`, key: 'modelKey1', tier: 1 }] }),
          'priced-a': stub({ pricing: { unit: 'token', prompt: '0.01', completion: '0.02' } }),
          'priced-b': stub({ pricing: { unit: 'token', prompt: '0.010', completion: '0.020' } }),
        },
        roles: {
          default: { limits: { tokens: { minute: String(2 * perCall) }, requests: { requestHour: '2' }, roles: { minute: '1' } }, costLimit: { day: '5' } },
          small: { limits: { roles: { minute: '5', day: '100' } } },
          large: { limits: { roles: { minute: '1000', day: '10' } } },
          // Budgets: the field-wise maximum over all of a caller's roles, across every model.
          frugal: { limits: {}, costLimit: { minute: dollars(2 * centsPerCall), day: '10' } },
          // An unset field is unlimited, and a maximum with it is unlimited: thrifty sets every one it lowers.
          thrifty: { limits: {}, costLimit: { minute: dollars(centsPerCall), day: '1' } },
        },
      },
      clock,
    );
  });
  afterEach(() => models.reset());
  afterAll(async () => {
    await Promise.all([core?.stop(), models?.stop(), jwks?.stop()]);
  });

  it('counts the tokens an answer reports, answers 429 with Retry-After once the minute is used, and lets through again when the window has moved on', async () => {
    const alice = headersFor('auth0|tokens');
    expect((await chat('tokens', alice)).status).toBe(200);
    expect((await chat('tokens', alice, true)).status).toBe(200); // usage read from the stream too
    const limited = await chat('tokens', alice);
    expect(limited.status).toBe(429);
    expect(limited.contentType).toBeNull();
    expect(JSON.parse(limited.body)).toEqual({
      error: {
        message: `Hit token rate limit. Minute limit: ${2 * perCall} / ${2 * perCall} tokens. Day limit: ${2 * perCall} / 9223372036854775807 tokens. Week limit: ${2 * perCall} / 9223372036854775807 tokens. Month limit: ${2 * perCall} / 9223372036854775807 tokens.`,
        display_message: "You've exceeded your minute token limit",
        code: '429',
      },
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    // Another user has counters of their own.
    expect((await chat('tokens', headersFor('auth0|someone-else'))).status).toBe(200);
    clock.advance(60_000);
    expect((await chat('tokens', alice)).status).toBe(200);
  });

  it("charges each answer's cost from the model's pricing to the caller across models, and answers 429 once the budget is spent", async () => {
    const carol = headersFor('auth0|carol', ['frugal', 'thrifty']);
    expect((await chat('priced-a', carol)).status).toBe(200);
    expect((await chat('priced-b', carol, true)).status).toBe(200); // streamed: priced from its usage too
    const statsText = (await call(`${core.url}/v1/deployments/priced-a/limits`, { headers: carol })).body;
    const stats = JSON.parse(statsText);
    expect(stats.minuteCostStats).toEqual({ total: (2 * centsPerCall) / 100, used: (2 * centsPerCall) / 100 });
    expect(stats.dayCostStats).toEqual({ total: 10, used: (2 * centsPerCall) / 100 });
    expect(statsText).toContain(`"weekCostStats":{"total":9223372036854775807,"used":${(2 * centsPerCall) / 100}}`);

    const limited = await chat('priced-a', carol);
    expect(limited.status).toBe(429);
    const spent = `$${dollars(2 * centsPerCall)}`;
    expect(JSON.parse(limited.body)).toEqual({
      error: {
        message: `Hit cost rate limit. Minute limit: ${spent} / ${spent}. Day limit: ${spent} / $10.00. Week limit: ${spent} / $9,223,372,036,854,775,807.00. Month limit: ${spent} / $9,223,372,036,854,775,807.00.`,
        display_message: "You've exceeded your minutely cost limit",
        code: '429',
      },
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // A caller without roles has the default role's budget; the model itself is open to everyone.
    const nobody = JSON.parse((await call(`${core.url}/v1/deployments/priced-a/limits`, { headers: headersFor('auth0|nobody') })).body);
    expect([nobody.minuteCostStats.total, nobody.dayCostStats.total]).toEqual([9223372036854775807, 5]);

    clock.advance(60_000);
    expect((await chat('priced-b', carol)).status).toBe(200);
  });

  it('counts requests when they are checked, and answers 429 past requestHour', async () => {
    const bob = headersFor('auth0|requests');
    expect((await chat('requests', bob)).status).toBe(200);
    expect((await chat('requests', bob)).status).toBe(200);
    const limited = await chat('requests', bob);
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.body).error.message).toBe('Hit request rate limit. Hour limit: 2 / 2 requests. Day limit: 2 / 9223372036854775807 requests.');
  });

  it('takes the field-wise maximum over the roles that have a limit, and the default role for callers with none', async () => {
    const stats = async (roles: string[]) => JSON.parse((await call(`${core.url}/v1/deployments/roles/limits`, { headers: headersFor(`auth0|${roles.join('+')}`, roles) })).body);
    expect((await stats([])).minuteTokenStats.total).toBe(1);
    expect((await stats(['unlisted'])).minuteTokenStats.total).toBe(1);
    const both = await stats(['small', 'large']);
    expect([both.minuteTokenStats.total, both.dayTokenStats.total]).toEqual([1000, 100]);
  });

  it('tries the other upstream when one answers 429, with maxRetryAttempts 2', async () => {
    models.setFault('gpt-35-turbo', { status: 429, retryAfterSeconds: 3, times: 1 });
    const answer = await chat('retrying', headersFor('auth0|retry'));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-upstream-attempts')).toBe('2');
    const upstreams = models.requests('gpt-35-turbo').map((r) => r.headers['x-upstream-endpoint']);
    expect(new Set(upstreams)).toEqual(new Set([`${models.url}#1`, `${models.url}#2`]));
  });

  it('with one attempt, answers 503 "Service is not available" to a 429, 502 "No route" to a 503, and passes a 500 through', async () => {
    models.setFault('gpt-35-turbo', { status: 429, retryAfterSeconds: 7, times: 1 });
    const busy = await chat('single', headersFor('auth0|single'));
    expect([busy.status, busy.body, busy.headers.get('retry-after')]).toEqual([503, 'Service is not available', '7']);
    clock.advance(8_000); // past the upstream's back-off
    models.setFault('gpt-35-turbo', { status: 503, times: 1 });
    const broken = await chat('single', headersFor('auth0|single'));
    expect([broken.status, broken.body]).toEqual([502, 'No route']);
    clock.advance(3_000); // past the 5xx back-off
    models.setFault('gpt-35-turbo', { status: 500, times: 1 });
    const failed = await chat('single', headersFor('auth0|single'));
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body).error.type).toBe('server_error');
  });

  // docs/dial-core.md#retries: Model's maxRetryAttempts is 5 (PR #592), at most one attempt per upstream.
  it('retries a model on its other upstream by default', async () => {
    clock.advance(300_000);
    models.setFault('gpt-35-turbo', { status: 429, retryAfterSeconds: 3, times: 1 });
    const answer = await chat('pair', headersFor('auth0|pair'));
    expect([answer.status, answer.headers.get('x-upstream-attempts')]).toEqual([200, '2']);
  });

  // docs/dial-core.md#retries: the 503 is TieredBalancer's, from the stored state of every upstream.
  it('answers 502 "No route" while one upstream is not marked 429, and 503 once every one is', async () => {
    clock.advance(300_000);
    models.setFault('gpt-35-turbo', { status: 429, retryAfterSeconds: 20, times: 2 });
    const first = await chat('pair-once', headersFor('auth0|pair-once'));
    expect([first.status, first.body]).toEqual([502, 'No route']);
    const second = await chat('pair-once', headersFor('auth0|pair-once'));
    expect([second.status, second.body, second.headers.get('retry-after')]).toEqual([503, 'Service is not available', '20']);
    const [a, b] = models.requests('gpt-35-turbo').slice(-2).map((r) => r.headers['x-upstream-endpoint']);
    expect(a).not.toBe(b);
  });

  // docs/dial-core.md#upstream-balancing: an answer passed through that is not a success (nor a 4xx) backs
  // the upstream off (UpstreamState, DeploymentPostController.handleProxyResponse).
  it('backs an upstream off after a 5xx it answered, so the next call goes to the next tier', async () => {
    clock.advance(300_000);
    models.setFault('gpt-35-turbo', { status: 500, times: 1 });
    expect((await chat('tiered', headersFor('auth0|tiered'))).status).toBe(500);
    expect((await chat('tiered', headersFor('auth0|tiered'))).status).toBe(200);
    expect(models.requests('gpt-35-turbo').slice(-2).map((r) => r.headers['x-upstream-endpoint'])).toEqual([`${models.url}#main`, `${models.url}#backup`]);
    clock.advance(2_001); // 2^1 s after the error: the main upstream is back
    expect((await chat('tiered', headersFor('auth0|tiered'))).status).toBe(200);
    expect(models.requests('gpt-35-turbo').at(-1)!.headers['x-upstream-endpoint']).toBe(`${models.url}#main`);
  });

  it('passes streamed chunks through as the stub sends them, not buffered', async () => {
    clock.advance(300_000); // past any back-off from the test before
    models.setFault('gpt-35-turbo', { chunkDelayMs: 60 });
    const response = await fetch(`${core.url}/openai/deployments/single/chat/completions`, {
      method: 'POST',
      headers: headersFor('auth0|stream'),
      body: JSON.stringify({ messages: [{ role: 'user', content }], stream: true }),
    });
    const arrivals: number[] = [];
    for await (const _chunk of response.body!) arrivals.push(performance.now());
    // Five SSE events 60 ms apart: through a buffering proxy they would arrive in one piece at the end.
    expect(arrivals.length).toBeGreaterThanOrEqual(4);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(3 * 50);
  });
});
