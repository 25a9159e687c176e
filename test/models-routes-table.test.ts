/**
 * mock-models' table of routes (mock-models/routes.ts), walked row by row against running stub models: each
 * row answers its own requests, and a path no row has gets mock-models' own not-served answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Models } from '../mock-models/models.ts';
import { ROUTES } from '../mock-models/routes.ts';
import { startTestModels, TUTORIAL_KEY } from './support/models.ts';

const MODEL = 'gpt-35-turbo';
const BODIES: Record<string, object> = {
  'chat/completions': { messages: [{ role: 'user', content: 'hi' }] },
  completions: { prompt: 'hi' },
  embeddings: { input: 'hi' },
  fault: { status: 503 },
};

describe("mock-models' table of routes, walked", () => {
  let models: Models;
  beforeAll(async () => {
    models = await startTestModels();
  });
  afterAll(() => models.stop());

  const send = async (method: string, path: string, body?: object) => {
    const response = await fetch(`${models.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'api-key': TUTORIAL_KEY },
      body: body && JSON.stringify({ model: MODEL, ...body }),
    });
    const text = await response.text(); // a 204 has no body
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as { error?: { code?: string } } };
  };

  it.each(ROUTES.map((row) => [row.method, `/${row.path.join('/')}`] as const))('%s %s answers, and not as a path it does not serve', async (method, pattern) => {
    const path = pattern.replace(/:\w+/g, MODEL);
    const body = method === 'GET' || method === 'DELETE' ? undefined : (Object.entries(BODIES).find(([suffix]) => path.endsWith(suffix))?.[1] ?? {});
    const answer = await send(method, path, body);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.error?.code).not.toBe('not_found');
    expect(answer.body.error?.code).not.toBe('method_not_allowed');
  });

  it.each([['GET', '/v2/models'], ['POST', '/v1/images/generations'], ['GET', '/__control/nothing'], ['POST', `/openai/deployments/${MODEL}/audio/speech`]])('%s %s, in no row, gets the not-served 404', async (method, path) => {
    const answer = await send(method, path, method === 'POST' ? {} : undefined);
    expect(answer).toEqual({ status: 404, body: { error: expect.objectContaining({ code: 'not_found', message: `mock-models does not serve ${method} ${path}. See the README for the endpoints of the stub models.` }) } });
  });

  it("answers a row's path with a method no row has with 405, naming the ones it has", async () => {
    const answer = await send('GET', '/v1/chat/completions');
    expect(answer.status).toBe(405);
    expect(answer.body.error?.code).toBe('method_not_allowed');
  });
});
