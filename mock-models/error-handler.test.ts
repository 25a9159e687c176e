import http from 'node:http';

import { afterEach, describe, expect, it } from 'vitest';

import { listen } from '../common/listen.ts';
import { createMemoryLogger } from '../common/log.ts';
import { answerError } from './error-handler.ts';
import { modelNotFound } from './errors.ts';

const servers: http.Server[] = [];
afterEach(() => servers.splice(0).forEach((server) => server.close()));

/** A server whose every request fails with `failure`, answered by the error handler. */
async function failingWith(failure: unknown) {
  const log = createMemoryLogger('mock-models');
  const server = http.createServer((req, res) => answerError(failure, req, res, log));
  const { url } = await listen(server, 0, '127.0.0.1');
  servers.push(server);
  return { url, log };
}

describe("mock-models' error handler", () => {
  it('answers an unexpected error 500 in OpenAI\'s shape with a generic message, its stack in the log only', async () => {
    const { url, log } = await failingWith(new RangeError('nobody expected this'));
    const answer = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({ error: { message: 'The stub model failed; the mock-models log has the details.', type: 'server_error', param: null, code: null } });
    expect(log.lines.join('\n')).toMatch(/POST \/v1\/chat\/completions failed: RangeError: nobody expected this\n\s+at /);
  });

  it("answers OpenAI's errors as they are, and a path that is not %-encoding with OpenAI's 400", async () => {
    const known = await failingWith(modelNotFound('gpt-5'));
    const answer = await fetch(known.url);
    expect([answer.status, ((await answer.json()) as { error: { code: string } }).error.code]).toEqual([404, 'model_not_found']);
    const malformed = await failingWith(new URIError('URI malformed'));
    const bad = await fetch(`${malformed.url}/v1/models/%E0%A4%A`);
    expect([bad.status, ((await bad.json()) as { error: { message: string } }).error.message]).toEqual([400, 'The path /v1/models/%E0%A4%A is not valid URL encoding.']);
    expect([...known.log.lines, ...malformed.log.lines]).toEqual([]);
  });
});
