import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { loadOrCreateTls } from '../mock-idp/tls.ts';
import { startTestModels } from './support/models.ts';
import { privateStateDir } from './support/sandbox-helpers.ts';
import { call, startCoreWith } from './support/core-alone.ts';
import { makeKey, signToken, startJwksServer, unsigned } from './support/jwks-server.ts';

// docs/dial-core.md#per-request-keys, docs/dial-core.md#identity-provider-settings,
// docs/dial-core.md#role-path, docs/dial-core.md#before-authentication, docs/dial-core.md#retries.
describe('mock-core: per-request keys, timeouts and the remaining provider options', () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  /** An upstream that calls Core back with the per-request key it received (as an application would). */
  async function callbackUpstream(coreUrl: () => string, path: string, withAuthorization: boolean) {
    const server = http.createServer(async (req, res) => {
      req.resume();
      const headers: Record<string, string> = { 'api-key': String(req.headers['api-key']), 'content-type': 'application/json' };
      if (withAuthorization) headers.authorization = 'Bearer some-user-token';
      const back = await call(`${coreUrl()}${path}`, { method: path.includes('/chat/') ? 'POST' : 'GET', headers, body: path.includes('/chat/') ? '{"messages":[]}' : undefined });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: back.status, body: back.body, headers: req.headers }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    stops.push(() => new Promise((done) => server.close(done)));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('accepts its per-request key, beside an Authorization header, as the caller; and refuses it on a deployment closed to such keys', async () => {
    const key = makeKey('k');
    const jwks = await startJwksServer([key]);
    let coreUrl = '';
    const whoAmI = await callbackUpstream(() => coreUrl, '/v1/user/info', true);
    const closed = await callbackUpstream(() => coreUrl, '/openai/deployments/no-keys/chat/completions', false);
    const core = await startCoreWith({ identityProviders: { idp: { jwksUrl: jwks.url, rolePath: 'roles' } } }, {
      applications: {
        'who-am-i': { endpoint: `${whoAmI}/chat` },
        'calls-closed': { endpoint: `${closed}/chat` },
      },
      // Nobody listens there: if the key were let through, the answer would be a 502, not a loop.
      models: { 'no-keys': { type: 'chat', endpoint: 'http://127.0.0.1:1/x', features: { accessible_by_per_request_key: false } } },
    });
    stops.push(() => core.stop(), () => jwks.stop());
    coreUrl = core.url;
    const asUser = { authorization: `Bearer ${signToken(key, { sub: 'auth0|u', roles: ['r1'] })}`, 'content-type': 'application/json' };

    const first = JSON.parse((await call(`${core.url}/openai/deployments/who-am-i/chat/completions`, { method: 'POST', headers: asUser, body: '{}' })).body);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body).roles).toEqual(['r1']);
    // Applications get no X-UPSTREAM-* headers: those are for models with upstreams.
    expect(first.headers).not.toHaveProperty('x-upstream-key');

    const second = JSON.parse((await call(`${core.url}/openai/deployments/calls-closed/chat/completions`, { method: 'POST', headers: asUser, body: '{}' })).body);
    expect(second.status).toBe(403);
    // Named by the deployment that called back (DeploymentPostController), not by its live key.
    expect(second.body).toBe('Deployment no-keys is not accessible by calls-closed');
  });

  // docs/dial-core.md#forwarding: an answer larger than a socket's buffer is relayed whole, plain or compressed.
  it('relays a large plain answer whole and at once, compressed or not', async () => {
    const big = JSON.stringify({ choices: [{ message: { content: 'x'.repeat(400_000) } }] });
    const upstream = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(big);
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    stops.push(() => new Promise((done) => upstream.close(done)));
    const endpoint = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/chat`;
    // A short idle timeout: an answer stuck behind a full socket would be cut after it, not delivered.
    const core = await startCoreWith({ identityProviders: { idp: { disableJwtVerification: true, rolePath: 'roles' } }, client: { idleTimeout: 5_000 } }, { applications: { big: { endpoint } }, keys: { k: { project: 'p', role: 'r' } } });
    stops.push(() => core.stop());
    for (const encoding of ['identity', 'gzip']) {
      const answer = await fetch(`${core.url}/openai/deployments/big/chat/completions`, { method: 'POST', headers: { 'api-key': 'k', 'content-type': 'application/json', 'accept-encoding': encoding }, body: '{}' });
      expect([answer.status, (await answer.text()).length]).toEqual([200, big.length]);
    }
  });

  it('sends X-UPSTREAM-EXTRA-DATA, and gives up on a silent upstream after client.idleTimeout with 502 "No route"', async () => {
    const models = await startTestModels();
    const core = await startCoreWith({ identityProviders: { idp: { disableJwtVerification: true, rolePath: 'roles' } }, client: { idleTimeout: 200 } }, {
      models: { m: { type: 'chat', endpoint: `${models.url}/openai/deployments/gpt-35-turbo/chat/completions`, upstreams: [{ endpoint: models.url, key: 'modelKey1', extraData: { region: 'eu' } }] } },
    });
    stops.push(() => core.stop(), () => models.stop());
    const headers = { authorization: `Bearer ${unsigned({ alg: 'none' }, { sub: 'u' }, 'x')}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'x' }] });

    expect((await call(`${core.url}/openai/deployments/m/chat/completions`, { method: 'POST', headers, body })).status).toBe(200);
    expect(models.requests('gpt-35-turbo')[0]!.headers['x-upstream-extra-data']).toBe('{"region":"eu"}');

    models.setFault('gpt-35-turbo', { hang: true });
    expect(await call(`${core.url}/openai/deployments/m/chat/completions`, { method: 'POST', headers, body })).toMatchObject({ status: 502, body: 'No route' });
  });

  /** An upstream answering with what `answer` writes; resolves `closed` when Core's call to it ends. */
  async function upstream(answer: (res: http.ServerResponse) => void) {
    let closed!: () => void;
    const ended = new Promise<void>((resolve) => (closed = resolve));
    const server = http.createServer((req, res) => {
      req.resume();
      res.once('close', closed);
      answer(res);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    stops.push(() => new Promise((done) => { server.closeAllConnections(); server.close(done); }));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, closed: ended };
  }

  /** POSTs through Core and sums up the answer (its first KiB as text), however it ends. */
  function stream(url: string, onChunk?: (chunk: Buffer, req: http.ClientRequest, res: http.IncomingMessage) => void) {
    return new Promise<{ status: number; bytes: number; body: string; complete: boolean }>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', headers: { authorization: `Bearer ${unsigned({ alg: 'none' }, { sub: 'u' }, 'x')}`, 'content-type': 'application/json' } }, (res) => {
        let body = '';
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (body.length < 1024) body += chunk.toString();
          onChunk?.(chunk, req, res);
        });
        res.on('close', () => resolve({ status: res.statusCode!, bytes, body, complete: res.complete }));
      });
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      req.end('{"stream":true}');
    });
  }

  it('cuts the answer short when the upstream breaks mid-stream, and ends the upstream call when the caller leaves', async () => {
    const breaks = await upstream((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write('data: {"n":1}\n\n');
      setTimeout(() => res.destroy(), 50);
    });
    const neverEnds = await upstream((res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).write('data: {"n":1}\n\n'));
    const core = await startCoreWith({ identityProviders: { idp: { disableJwtVerification: true, rolePath: 'roles' } } }, {
      models: { breaks: { type: 'chat', endpoint: `${breaks.url}/x` }, endless: { type: 'chat', endpoint: `${neverEnds.url}/x` } },
    });
    stops.push(() => core.stop());

    const cut = await stream(`${core.url}/openai/deployments/breaks/chat/completions`);
    expect(cut).toMatchObject({ status: 200, body: 'data: {"n":1}\n\n', complete: false });

    // The caller reads the first chunk and hangs up; Core must not keep the upstream call open.
    const left = await stream(`${core.url}/openai/deployments/endless/chat/completions`, (_chunk, req) => req.destroy());
    expect(left.body).toBe('data: {"n":1}\n\n');
    await neverEnds.closed;
  });

  it('answers 502 "No route" to an upstream answer that is not HTTP/1.1 (a control character in a header), and goes on serving', async () => {
    const garbled = await upstream((res) => res.socket!.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-bad: a\x01b\r\ncontent-length: 2\r\n\r\n{}'));
    const chunked = await upstream((res) => res.writeHead(200, { 'content-type': 'application/json' }).write('{"chunked":', () => res.end('true}')));
    const core = await startCoreWith({ identityProviders: { idp: { disableJwtVerification: true, rolePath: 'roles' } } }, {
      models: { garbled: { type: 'chat', endpoint: `${garbled.url}/x` }, chunked: { type: 'chat', endpoint: `${chunked.url}/x` } },
    });
    stops.push(() => core.stop());
    const asUser = { method: 'POST', headers: { authorization: `Bearer ${unsigned({ alg: 'none' }, { sub: 'u' }, 'x')}`, 'content-type': 'application/json' }, body: '{}' };
    expect(await call(`${core.url}/openai/deployments/garbled/chat/completions`, asUser)).toMatchObject({ status: 502, body: 'No route' });
    // node:http sends an answer of unknown length chunked; Core relays the body, not the framing.
    expect(await call(`${core.url}/openai/deployments/chunked/chat/completions`, asUser)).toMatchObject({ status: 200, body: '{"chunked":true}' });
  });

  it('relays a large answer whole to a slow reader, holding the upstream back meanwhile', async () => {
    // 64 MiB: more than loopback sockets can buffer (up to 32 MiB received, 4 MiB sent, here), so only a
    // paused upstream explains an upstream that had not sent it all while the caller read nothing.
    const piece = Buffer.alloc(64 * 1024, 'x');
    const PIECES = 1024;
    let sent = 0;
    const big = await upstream((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const more = () => {
        while (sent < PIECES) {
          sent++;
          if (!res.write(piece)) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    });
    const core = await startCoreWith({ identityProviders: { idp: { disableJwtVerification: true, rolePath: 'roles' } } }, {
      models: { big: { type: 'chat', endpoint: `${big.url}/x` } },
    });
    stops.push(() => core.stop());

    let paused = false;
    let sentWhilePaused = 0;
    const answer = await stream(`${core.url}/openai/deployments/big/chat/completions`, (_chunk, _req, res) => {
      if (paused) return;
      paused = true;
      res.pause();
      setTimeout(() => {
        sentWhilePaused = sent;
        res.resume();
      }, 300);
    });
    expect(sentWhilePaused).toBeLessThan(PIECES);
    expect(answer).toMatchObject({ status: 200, bytes: PIECES * piece.length, complete: true });
  });

  it('forwards to an https endpoint whose certificate the sandbox CA signed (NODE_EXTRA_CA_CERTS), as Core with a truststore', async () => {
    const tls = loadOrCreateTls(privateStateDir('https-upstream'), []);
    const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"over":"tls"}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    stops.push(() => new Promise((done) => server.close(done)));
    const core = await startCoreWith({ identityProviders: { idp: { disableJwtVerification: true, rolePath: 'roles' } } }, {
      models: { secure: { type: 'chat', endpoint: `https://localhost:${(server.address() as AddressInfo).port}/chat` } },
    });
    stops.push(() => core.stop());
    const answer = await call(`${core.url}/openai/deployments/secure/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${unsigned({ alg: 'none' }, { sub: 'u' }, 'x')}`, 'content-type': 'application/json' }, body: '{}' });
    expect(answer).toMatchObject({ status: 200, body: '{"over":"tls"}' });
  });

  it('with disableJwtVerification, takes any well-formed JWT (alg none included) and reads roles from several rolePaths', async () => {
    const core = await startCoreWith({ identityProviders: { demo: { disableJwtVerification: true, rolePath: ['dial_roles', 'realm_access.roles', 'group'], rolesDelimiter: '(,)' } } }, {});
    stops.push(() => core.stop());
    const token = unsigned({ alg: 'none' }, { sub: 'u', dial_roles: ['a'], realm_access: { roles: ['b'] }, group: 'c,d' });
    const answer = await call(`${core.url}/v1/user/info`, { headers: { authorization: `Bearer ${token}` } });
    expect(JSON.parse(answer.body).roles).toEqual(['a', 'b', 'c', 'd']);
  });

  it("reads the caller's project (projectPath) and name (userDisplayName) from the token, for its request log", async () => {
    const core = await startCoreWith({ identityProviders: { demo: { disableJwtVerification: true, rolePath: 'r', projectPath: 'org.project', userDisplayName: 'name' } } }, {});
    stops.push(() => core.stop());
    const token = unsigned({ alg: 'none' }, { sub: 'u', r: [], org: { project: 'apollo' }, name: 'Alice Example' });
    expect((await call(`${core.url}/v1/user/info`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(core.log.entries().at(-1)!.caller).toMatchObject({ sub: 'u', project: 'apollo', displayName: 'Alice Example' });
  });

  it('answers HTTP/1.0 with 505, as Core does', async () => {
    const core = await startCoreWith({ identityProviders: { demo: { disableJwtVerification: true, rolePath: 'r' } } }, {});
    stops.push(() => core.stop());
    const { port } = new URL(core.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.write('GET /version HTTP/1.0\r\n\r\n');
    const [data] = await once(socket, 'data');
    socket.destroy();
    expect(String(data)).toMatch(/^HTTP\/1\.1 505 /);
  });
});
