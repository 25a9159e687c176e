import http from 'node:http';

import { afterEach, describe, expect, it } from 'vitest';

import { listen } from '../common/listen.ts';
import { createMemoryLogger } from '../common/log.ts';
import { answerError } from './error-handler.ts';
import { DialError } from './errors.ts';
import type { RequestNotes } from './request-log-entry.ts';

/** A server whose every request fails with `failure`, answered by the error handler. */
async function failingWith(failure: (res: http.ServerResponse) => unknown) {
  const log = createMemoryLogger('mock-core');
  const notes: RequestNotes = {};
  const server = http.createServer((req, res) => {
    try {
      throw failure(res);
    } catch (error) {
      answerError(error, req, res, log, notes, new URL(req.url!, 'http://x').pathname);
    }
  });
  const { url } = await listen(server, 0, '127.0.0.1');
  servers.push(server);
  return { url, log, notes };
}
const servers: http.Server[] = [];
afterEach(() => servers.splice(0).forEach((server) => server.close()));

describe("mock-core's error handler", () => {
  it('answers an unexpected error 500 with an empty body as Core, its stack in the log only', async () => {
    const { url, log } = await failingWith(() => new TypeError('nobody expected this'));
    const answer = await fetch(`${url}/v1/user/info`);
    expect([answer.status, await answer.text(), answer.headers.get('content-type'), answer.headers.get('access-control-allow-origin')]).toEqual([500, '', null, '*']);
    expect(log.lines.join('\n')).toMatch(/GET \/v1\/user\/info failed: TypeError: nobody expected this\n\s+at /);
  });

  it('names the deployment in a deployment call\'s 500, as DeploymentPostController does', async () => {
    const { url } = await failingWith(() => new Error('boom'));
    const answer = await fetch(`${url}/openai/deployments/gpt-4/chat/completions`, { method: 'POST', body: '{}' });
    expect([answer.status, await answer.text()]).toEqual([500, 'Failed to process deployment: gpt-4']);
  });

  it("answers Core's own errors as Core words them, and notes the reason for the request log", async () => {
    const { url, log, notes } = await failingWith(() => new DialError(403, 'Forbidden route', { 'x-extra': 'yes' }));
    const answer = await fetch(url);
    expect([answer.status, await answer.text(), answer.headers.get('x-extra')]).toEqual([403, 'Forbidden route', 'yes']);
    expect(notes.reason).toBe('Forbidden route');
    expect(log.lines).toEqual([]);
  });

  it('cuts the connection when the answer had already begun', async () => {
    const { url } = await failingWith((res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      return new Error('mid-answer');
    });
    await expect(fetch(url).then((answer) => answer.text())).rejects.toThrow();
  });
});
