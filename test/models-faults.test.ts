import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { Models } from '../mock-models/models.ts';
import { startTestModels, TUTORIAL_KEY } from './support/models.ts';

describe('mock-models faults, control endpoint and request recording', () => {
  let models: Models;
  beforeAll(async () => {
    models = await startTestModels();
  });
  afterEach(() => models.reset());
  afterAll(() => models.stop());

  const client = (options: { timeout?: number } = {}) => new OpenAI({ baseURL: `${models.url}/v1`, apiKey: TUTORIAL_KEY, maxRetries: 0, ...options });
  const ask = (stream = false) =>
    client().chat.completions.create({ model: 'gpt-35-turbo', messages: [{ role: 'user', content: 'one two three' }], stream } as never) as Promise<unknown>;

  it('answers 429 with Retry-After and an OpenAI error body', async () => {
    models.setFault('gpt-35-turbo', { status: 429, retryAfterSeconds: 7 });
    const error = await ask().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('7');
    expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
  });

  it.each([500, 503])('answers %i when the fault says so', async (status) => {
    models.setFault('gpt-35-turbo', { status });
    await expect(ask()).rejects.toMatchObject({ status });
  });

  it('waits latencyMs before answering', async () => {
    models.setFault('gpt-35-turbo', { latencyMs: 150 });
    const started = performance.now();
    await ask();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('spaces streamed chunks by chunkDelayMs, each arriving as it is produced', async () => {
    models.setFault('gpt-35-turbo', { chunkDelayMs: 40 });
    const arrivals: number[] = [];
    for await (const _chunk of (await ask(true)) as AsyncIterable<unknown>) arrivals.push(performance.now());
    // role chunk, three tokens, the finishing chunk: four gaps of ≥ 40 ms between five chunks.
    expect(arrivals).toHaveLength(5);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(4 * 35);
  });

  it('drops the connection mid-stream after dropAfterChunks chunks', async () => {
    models.setFault('gpt-35-turbo', { dropAfterChunks: 2 });
    const received: unknown[] = [];
    const reading = (async () => {
      for await (const chunk of (await ask(true)) as AsyncIterable<unknown>) received.push(chunk);
    })();
    await expect(reading).rejects.toThrow();
    expect(received).toHaveLength(2);
  });

  it('hangs until the client gives up', async () => {
    models.setFault('gpt-35-turbo', { hang: true });
    await expect(client({ timeout: 200 }).chat.completions.create({ model: 'gpt-35-turbo', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it('clears a fault by itself after `times` requests', async () => {
    models.setFault('gpt-35-turbo', { status: 503, times: 2 });
    await expect(ask()).rejects.toMatchObject({ status: 503 });
    await expect(ask()).rejects.toMatchObject({ status: 503 });
    await expect(ask()).resolves.toBeTruthy();
  });

  it('sets, reads and clears faults and recordings over the control endpoint', async () => {
    const put = await fetch(`${models.url}/__control/models/gpt-35-turbo/fault`, { method: 'PUT', body: JSON.stringify({ status: 500 }) });
    expect(await put.json()).toEqual({ model: 'gpt-35-turbo', fault: { status: 500 } });
    await expect(ask()).rejects.toMatchObject({ status: 500 });

    const listed = (await (await fetch(`${models.url}/__control/models`)).json()) as { name: string; fault: unknown }[];
    expect(listed.find((m) => m.name === 'gpt-35-turbo')!.fault).toEqual({ status: 500 });

    const recorded = (await (await fetch(`${models.url}/__control/models/gpt-35-turbo/requests`)).json()) as { body: { messages: unknown[] } }[];
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.body.messages).toEqual([{ role: 'user', content: 'one two three' }]);

    expect((await fetch(`${models.url}/__control/reset`, { method: 'POST' })).status).toBe(204);
    await expect(ask()).resolves.toBeTruthy();
    expect(models.requests('gpt-35-turbo')).toHaveLength(1);
  });

  it('refuses a malformed fault over the control endpoint, naming the field', async () => {
    const response = await fetch(`${models.url}/__control/models/gpt-35-turbo/fault`, { method: 'PUT', body: JSON.stringify({ status: 'soon', lag: 3 }) });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { message: string } };
    expect(error.message).toContain('status');
    expect(error.message).toContain('lag');
  });

  it('records method, path, query, headers and body, so a test can see what DIAL Core forwarded', async () => {
    await fetch(`${models.url}/v1/openai/deployments/gpt-35-turbo/chat/completions?api-version=2024-02-01`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-upstream-key': TUTORIAL_KEY, 'api-key': 'per-request-key' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'recorded' }] }),
    });
    const [request] = models.requests('gpt-35-turbo');
    expect(request).toMatchObject({
      method: 'POST',
      path: '/v1/openai/deployments/gpt-35-turbo/chat/completions',
      query: { 'api-version': '2024-02-01' },
      body: { messages: [{ role: 'user', content: 'recorded' }] },
    });
    expect(request!.headers['x-upstream-key']).toBe(TUTORIAL_KEY);
    expect(request!.headers).not.toHaveProperty('authorization');
  });
});
