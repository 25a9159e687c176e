import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Models } from '../mock-models/models.ts';
import { startTestModels, TUTORIAL_KEY } from './support/models.ts';

describe('mock-models answers bad input with OpenAI-shaped errors', () => {
  let models: Models;
  beforeAll(async () => {
    models = await startTestModels();
  });
  afterAll(() => models.stop());

  const call = (path: string, init: { method?: string; body?: string; key?: string | null } = {}) =>
    fetch(`${models.url}${path}`, {
      method: init.method ?? 'POST',
      headers: { 'content-type': 'application/json', ...(init.key === null ? {} : { 'x-upstream-key': init.key ?? TUTORIAL_KEY }) },
      body: init.body,
    });
  const chatPath = '/v1/openai/deployments/gpt-35-turbo/chat/completions';
  const hello = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] });

  it.each([
    ['a body that is not JSON', chatPath, { body: '{"messages": [' }, 400, null],
    ['a body that is a JSON array', chatPath, { body: '[1, 2]' }, 400, null],
    ['no messages', chatPath, { body: '{"temperature": 0}' }, 400, 'missing_required_parameter'],
    ['empty messages', chatPath, { body: '{"messages": []}' }, 400, 'empty_array'],
    ['an unknown deployment', '/openai/deployments/gpt-5/chat/completions', { body: hello }, 404, 'DeploymentNotFound'],
    ['an unknown model on /v1/chat/completions', '/v1/chat/completions', { body: JSON.stringify({ model: 'gpt-5', messages: [] }) }, 404, 'model_not_found'],
    ['no model on /v1/chat/completions', '/v1/chat/completions', { body: hello }, 400, 'missing_required_parameter'],
    ['no upstream key', chatPath, { body: hello, key: null }, 401, 'invalid_api_key'],
    ['a wrong upstream key', chatPath, { body: hello, key: 'modelKey2' }, 401, 'invalid_api_key'],
    ['a chat request to an embedding model', '/openai/deployments/text-embedding-3-small/chat/completions', { body: hello, key: null }, 400, 'OperationNotSupported'],
    ['a wrong method', chatPath, { method: 'GET' }, 405, 'method_not_allowed'],
    ['a path it does not serve', '/v2/anything', { body: hello }, 404, 'not_found'],
  ])('rejects %s', async (_case, path, init, status, code) => {
    const response = await call(path, init);
    expect(response.status).toBe(status);
    const { error } = (await response.json()) as { error: { message: string; type: string; code: string | null; param: string | null } };
    expect(error.code).toBe(code);
    expect(error.message).toBeTruthy();
    expect(error.type).toBe('invalid_request_error');
  });

  it('names the method and path it does not serve, and the methods a known path allows', async () => {
    const unknown = (await (await call('/v2/anything', { method: 'DELETE' })).json()) as { error: { message: string } };
    expect(unknown.error.message).toContain('DELETE /v2/anything');
    const wrong = await call(chatPath, { method: 'GET' });
    expect(wrong.headers.get('allow')).toBe('POST');
  });

  it('keeps serving after every bad request above', async () => {
    const response = await call(chatPath, { body: hello });
    expect(response.status).toBe(200);
  });
});
