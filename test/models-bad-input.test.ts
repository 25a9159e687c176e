import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Models } from '../mock-models/models.ts';
import { startTestModels, TUTORIAL_KEY } from './support/models.ts';

describe('mock-models answers bad input with OpenAI-shaped errors', () => {
  let models: Models;
  beforeAll(async () => {
    models = await startTestModels([{ name: 'davinci', kind: 'completion', reply: { kind: 'echo' }, dimensions: 8 }]);
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
    ['a message that is null', chatPath, { body: '{"messages":[null]}' }, 400, 'invalid_type'],
    ['a message that is a number', chatPath, { body: '{"messages":[{"role":"user","content":"hi"},7]}' }, 400, 'invalid_type'],
    ['messages that are not an array', chatPath, { body: '{"messages":"hi"}' }, 400, 'invalid_type'],
    ['a message content that is an object', chatPath, { body: '{"messages":[{"role":"user","content":{"toString":1}}]}' }, 400, 'invalid_type'],
    ['a prompt that is an object', '/openai/deployments/davinci/completions', { body: '{"prompt":{"toString":1}}' }, 400, 'invalid_type'],
    ['a prompt nested 5,000 deep', '/openai/deployments/davinci/completions', { body: `{"prompt":${'['.repeat(5000)}${']'.repeat(5000)}}` }, 400, 'invalid_type'],
    ['an embedding input that is an object', '/openai/deployments/text-embedding-3-small/embeddings', { body: '{"input":{"a":1}}', key: null }, 400, 'invalid_type'],
    ['dimensions that are not a number', '/openai/deployments/text-embedding-3-small/embeddings', { body: '{"input":"hi","dimensions":{"toString":1}}', key: null }, 400, 'invalid_type'],
    ['a wrong method', chatPath, { method: 'GET' }, 405, 'method_not_allowed'],
    ['a path it does not serve', '/v2/anything', { body: hello }, 404, 'not_found'],
    ['a path starting with two slashes (no host to a URL parser) and a bad %-escape', '//%zz/embeddings', { method: 'GET' }, 400, null],
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

  it("words a wrong type as OpenAI does, naming the parameter", async () => {
    const { error } = (await (await call(chatPath, { body: '{"messages":[{"role":"user","content":"hi"},null]}' })).json()) as { error: Record<string, unknown> };
    expect(error).toEqual({ message: "Invalid type for 'messages[1]': expected an object, but got null instead.", type: 'invalid_request_error', param: 'messages[1]', code: 'invalid_type' });
  });

  it('still reads text parts of a content list whose parts are odd, counting only the text', async () => {
    const body = JSON.stringify({ messages: [{ role: 'user', content: [null, { type: 'text', text: { toString: 1 } }, { type: 'text', text: 'hi' }] }] });
    const answer = (await (await call(chatPath, { body })).json()) as { choices: { message: { content: string } }[] };
    expect(answer.choices[0]!.message.content).toBe('hi');
  });

  it('shows its recorded requests after a body nested 100,000 deep, cut where it nests deeper than 100 levels', async () => {
    models.reset();
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect((await call(chatPath, { body: `{"messages":[{"role":"user","content":"deep"}],"metadata":${deep}}` })).status).toBe(200);
    const response = await fetch(`${models.url}/__control/models/gpt-35-turbo/requests`);
    expect(response.status).toBe(200);
    const [recorded] = (await response.json()) as { body: { metadata: unknown; messages: unknown } }[];
    expect(recorded!.body.messages).toEqual([{ role: 'user', content: 'deep' }]);
    let level = recorded!.body.metadata;
    for (let depth = 2; depth <= 100; depth++) level = (level as unknown[])[0];
    expect(level).toBe('(nested deeper: cut)');
  });

  it('keeps serving after every bad request above', async () => {
    const response = await call(chatPath, { body: hello });
    expect(response.status).toBe(200);
  });
});
