/**
 * Interceptors as Core runs them (docs/dial-core.md#interceptors): a call to a deployment that lists
 * interceptors goes to each in turn, each passing it on through Core's special deployment `interceptor` with
 * the per-request key it got, and after the last to the deployment itself; an interceptor the config does
 * not define is 404 "Interceptor is not found".
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Core } from '../mock-core/core.ts';
import type { Models } from '../mock-models/models.ts';
import { call, startCoreWith } from './support/core-alone.ts';
import { makeKey, signToken, startJwksServer, type JwksServer } from './support/jwks-server.ts';
import { startTestModels } from './support/models.ts';

interface Seen {
  name: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

describe('interceptors', () => {
  const seen: Seen[] = [];
  const servers: http.Server[] = [];
  let jwks: JwksServer;
  let models: Models;
  let core: Core;
  const key = makeKey('k');
  const user = { authorization: `Bearer ${signToken(key, { sub: 'auth0|u', roles: ['r'] })}`, 'content-type': 'application/json' };

  /** An interceptor that notes what it got, marks the messages, and passes the call on through Core. */
  async function interceptor(name: string): Promise<string> {
    const server = http.createServer(async (req, res) => {
      let text = '';
      for await (const chunk of req) text += chunk;
      const body = JSON.parse(text) as { messages: { role: string; content: string }[] };
      seen.push({ name, headers: req.headers, body: structuredClone(body) });
      body.messages.push({ role: 'user', content: `via ${name}` });
      const back = await call(`${core.url}/openai/deployments/interceptor/chat/completions`, { method: 'POST', headers: { 'api-key': String(req.headers['api-key']), 'content-type': 'application/json' }, body: JSON.stringify(body) });
      res.writeHead(back.status, { 'content-type': 'application/json', 'x-intercepted-by': name }).end(back.body);
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/intercept`;
  }

  beforeAll(async () => {
    jwks = await startJwksServer([key]);
    models = await startTestModels();
    const stub = { type: 'chat', endpoint: `${models.url}/openai/deployments/gpt-35-turbo/chat/completions`, upstreams: [{ endpoint: models.url, key: 'modelKey1' }] };
    const [first, second] = [await interceptor('first'), await interceptor('second')];
    core = await startCoreWith(
      { identityProviders: { auth0: { jwksUrl: jwks.url, rolePath: 'roles' } } },
      {
        models: { guarded: { ...stub, interceptors: ['first', 'second'] }, 'badly-guarded': { ...stub, interceptors: ['nowhere'] } },
        interceptors: { first: { endpoint: first }, second: { endpoint: second } },
      },
    );
  });
  afterAll(async () => {
    await Promise.all([core?.stop(), models?.stop(), jwks?.stop(), ...servers.map((s) => new Promise((done) => s.close(done)))]);
  });

  it('runs the chain in order, each with the caller\'s headers and a per-request key, then the deployment', async () => {
    const answer = await call(`${core.url}/openai/deployments/guarded/chat/completions`, { method: 'POST', headers: user, body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] }) });
    expect(answer.status).toBe(200);
    // The stub echoes the last user message: what the second interceptor added.
    expect(JSON.parse(answer.body).choices[0].message.content).toBe('via second');
    expect(answer.headers.get('x-intercepted-by')).toBe('first');
    expect(seen.map((s) => s.name)).toEqual(['first', 'second']);
    // Each gets the headers of the call that reached Core: the user's Authorization for the first, what the
    // first sent (its key alone) for the second.
    expect(seen[0]!.headers.authorization).toBe(user.authorization);
    expect(seen[1]!.headers).not.toHaveProperty('authorization');
    for (const { headers } of seen) {
      expect(headers['api-key']).toMatch(/^[\w-]{32}$/);
      expect(headers).not.toHaveProperty('x-upstream-key');
    }
    expect(seen[0]!.headers['api-key']).not.toBe(seen[1]!.headers['api-key']);
    expect(seen[1]!.body.messages).toEqual([{ role: 'user', content: 'hello' }, { role: 'user', content: 'via first' }]);
    // The model itself was called once, with Core's upstream headers, after the chain.
    const [forwarded] = models.requests('gpt-35-turbo').slice(-1);
    expect(forwarded!.headers['x-upstream-key']).toBe('modelKey1');
  });

  it('answers 404 "Interceptor is not found" for an interceptor the config does not define', async () => {
    const answer = await call(`${core.url}/openai/deployments/badly-guarded/chat/completions`, { method: 'POST', headers: user, body: '{"messages":[]}' });
    expect([answer.status, answer.body]).toEqual([404, 'Interceptor is not found']);
  });

  it('answers a call to `interceptor` by a caller outside any chain with Core\'s unhandled 500', async () => {
    const answer = await call(`${core.url}/openai/deployments/interceptor/chat/completions`, { method: 'POST', headers: user, body: '{"messages":[]}' });
    expect([answer.status, answer.body]).toEqual([500, '']);
  });
});
