import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { targetOf, UpstreamError, type ClientTimeouts, type ResponseHandler, type Target, type UpstreamClient } from './client.ts';
import { Http1Client } from './http1-client.ts';
import { UndiciClient } from './undici-client.ts';

/**
 * Resolves once bytes this process wrote to a loopback socket before the call have been read by any reader
 * still reading: a marker sent after them on a connection of its own has arrived, and the event-loop turn
 * that read it is over (epoll reports the earlier bytes no later than the marker; no sleeping for a guess).
 */
async function loopbackDelivered(): Promise<void> {
  const server = net.createServer();
  await once(server.listen(0, '127.0.0.1'), 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const sender = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [receiver] = await accepted;
  sender.write('x');
  await once(receiver, 'data');
  await new Promise((done) => setImmediate(done));
  sender.destroy();
  receiver.destroy();
  await new Promise((done) => server.close(done));
}

/**
 * Lets an event-loop turn pass, as between calls from different callers: undici's HTTP/1.1 client takes a
 * connection back for reuse only a turn after its answer ended (a later call in the same turn gets another).
 */
const nextTurn = () => new Promise((done) => setImmediate(done));

/** A request as an upstream read it: its line, its header fields (names lower-cased) in order, its body. */
function parseRequest(bytes: string) {
  const end = bytes.indexOf('\r\n\r\n');
  const [line, ...fields] = bytes.slice(0, end).split('\r\n');
  return { line, headers: fields.map((field) => [field.slice(0, field.indexOf(':')).toLowerCase(), field.slice(field.indexOf(':') + 1).trim()]), body: bytes.slice(end + 4) };
}

describe.each([
  ['the hand-written client', (timeouts: ClientTimeouts): UpstreamClient => new Http1Client(timeouts)],
  ["undici's Agent", (timeouts: ClientTimeouts): UpstreamClient => new UndiciClient(timeouts)],
])('%s: keep-alive connections to upstreams', (_name, createClient) => {
  const stops: (() => unknown)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  /** A raw upstream: `answer` gets each request's socket and bytes (a whole request); counts the connections made to it. */
  async function upstream(answer: (socket: net.Socket, request: string) => void) {
    const requests: string[] = [];
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      let pending = '';
      socket.on('data', (bytes) => {
        pending += bytes.toString('latin1');
        // A request is whole once its Content-Length is in (a large body arrives in several reads).
        const end = pending.indexOf('\r\n\r\n');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(pending)?.[1] ?? 0);
        if (end < 0 || pending.length < end + 4 + length) return;
        const request = pending;
        pending = '';
        requests.push(request);
        answer(socket, request);
      });
      socket.on('error', () => {});
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    stops.push(() => new Promise((done) => server.close(done)));
    return { target: targetOf(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)), requests, connections: () => connections, server };
  }

  // Core's own defaults (client.connectTimeout 10 s, client.idleTimeout 300 s): a busy machine trips neither.
  function client(timeouts = { connectMs: 10_000, idleMs: 300_000 }) {
    const upstreamClient = createClient(timeouts);
    stops.push(() => upstreamClient.close());
    return upstreamClient;
  }

  /** Posts and collects the answer, however it ends. */
  function post(upstreamClient: UpstreamClient, target: Target, headers: string[] = [], body: string | Buffer = '{}') {
    return new Promise<{ status?: number; headers?: string[]; body: string; error?: UpstreamError }>((resolve) => {
      const result: { status?: number; headers?: string[]; body: string; error?: UpstreamError } = { body: '' };
      upstreamClient.post(target, '/chat?api-version=1', headers, Buffer.from(body), {
        onResponseStart: (status, list) => Object.assign(result, { status, headers: list }),
        onResponseData: (chunk) => ((result.body += chunk.toString()), true),
        onResponseEnd: () => resolve(result),
        onResponseError: (error) => resolve({ ...result, error }),
      });
    });
  }

  const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';

  it('sends one request as Core would (Host, Content-Length, the headers given in order) and reuses the connection', async () => {
    const up = await upstream((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Two: a\r\nx-two: b\r\ncontent-length: 2\r\n\r\nok'));
    const upstreamClient = client();
    expect(await post(upstreamClient, up.target, ['x-a', '1', 'api-key', 'k'], '{"q":1}')).toMatchObject({
      status: 200,
      headers: ['content-type', 'application/json', 'x-two', 'a', 'x-two', 'b', 'content-length', '2'],
      body: 'ok',
    });
    await nextTurn();
    expect(await post(upstreamClient, up.target)).toMatchObject({ status: 200, body: 'ok' });
    const sent = parseRequest(up.requests[0]!);
    expect(sent.line).toBe('POST /chat?api-version=1 HTTP/1.1');
    expect(sent.headers).toContainEqual(['host', up.target.host]);
    expect(sent.headers).toContainEqual(['content-length', '7']);
    expect(sent.headers.filter(([name]) => name === 'x-a' || name === 'api-key')).toEqual([['x-a', '1'], ['api-key', 'k']]);
    expect(sent.body).toBe('{"q":1}');
    expect(up.connections()).toBe(1);
  });

  it('sends a large body whole', async () => {
    const up = await upstream((socket) => socket.write(OK));
    const body = Buffer.alloc(1024 * 1024 + 1, 'y');
    expect(await post(client(), up.target, [], body)).toMatchObject({ status: 200, body: 'ok' });
    expect(parseRequest(up.requests[0]!)).toMatchObject({ body: body.toString('latin1') });
  });

  it("opens a new connection once the upstream's Keep-Alive timeout is nearly up, and after a Connection: close", async () => {
    const up = await upstream((socket, request) => socket.write(request.includes('x-close') ? 'HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n' : 'HTTP/1.1 200 OK\r\nkeep-alive: timeout=1\r\ncontent-length: 0\r\n\r\n'));
    const upstreamClient = client();
    await post(upstreamClient, up.target);
    await nextTurn();
    await post(upstreamClient, up.target); // timeout=1 leaves no second to reuse it in
    expect(up.connections()).toBe(2);
    await nextTurn();
    await post(upstreamClient, up.target, ['x-close', 'yes']);
    await nextTurn();
    await post(upstreamClient, up.target);
    expect(up.connections()).toBe(4);
  });

  it('opens a new connection after the upstream closed an idle one', async () => {
    const up = await upstream((socket) => socket.end(OK));
    const upstreamClient = client();
    expect(await post(upstreamClient, up.target)).toMatchObject({ status: 200, body: 'ok' });
    await loopbackDelivered(); // the upstream's FIN has been read
    expect(await post(upstreamClient, up.target)).toMatchObject({ status: 200, body: 'ok' });
    expect(up.connections()).toBe(2);
  });

  it('hands each piece of a stream on as it arrives, and reads an answer without length until the connection closes', async () => {
    let streaming!: (socket: net.Socket) => void;
    const streamSocket = new Promise<net.Socket>((resolve) => (streaming = resolve));
    const sse = await upstream((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\nF\r\ndata: {"n":1}\n\n\r\n');
      streaming(socket);
    });
    const pieces: string[] = [];
    let ended = false;
    client().post(sse.target, '/', [], Buffer.from('{}'), {
      onResponseStart: () => {},
      onResponseData: (chunk) => (pieces.push(chunk.toString()), true),
      onResponseEnd: () => (ended = true),
      onResponseError: (error) => expect.unreachable(error.message),
    });
    const socket = await streamSocket;
    // The first event is handed on while the upstream has not sent the rest.
    await expect.poll(() => pieces).toEqual(['data: {"n":1}\n\n']);
    socket.write('E\r\ndata: [DONE]\n\n\r\n0\r\n\r\n');
    await expect.poll(() => ended).toBe(true);
    expect(pieces.join('')).toBe('data: {"n":1}\n\ndata: [DONE]\n\n');

    const untilClose = await upstream((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nall of it'));
    expect(await post(client(), untilClose.target)).toEqual({ status: 200, headers: ['content-type', 'text/plain'], body: 'all of it' });
  });

  it('skips an informational answer; refuses an answer that is not HTTP/1.1 with BAD_RESPONSE', async () => {
    const hints = await upstream((socket) => socket.write(`HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n${OK}`));
    expect(await post(client(), hints.target)).toMatchObject({ status: 200, headers: ['content-length', '2'], body: 'ok' });

    for (const garbled of [
      'HTTP/1.1 200 OK\r\nx-bad: a\x01b\r\ncontent-length: 2\r\n\r\nok',
      `HTTP/1.1 200 OK\r\nx-big: ${'x'.repeat(8200)}\r\ncontent-length: 2\r\n\r\nok`,
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
    ]) {
      const up = await upstream((socket) => socket.write(garbled));
      expect((await post(client(), up.target)).error?.code).toBe('BAD_RESPONSE');
    }
  });

  it('refuses a header value with a line break before sending anything', async () => {
    const up = await upstream((socket) => socket.write(OK));
    expect(() => client().post(up.target, '/', ['x-upstream-key', 'k\r\nx-evil: 1'], Buffer.from('{}'), {} as ResponseHandler)).toThrow(/line break/);
    expect(up.connections()).toBe(0);
  });

  it('fails with ECONNREFUSED where nothing listens, IDLE_TIMEOUT on a silent upstream, CLOSED on one that hangs up mid-answer', async () => {
    const closedPort = await upstream(() => {});
    await new Promise((done) => closedPort.server.close(done));
    expect((await post(client(), closedPort.target)).error?.code).toBe('ECONNREFUSED');

    const silent = await upstream(() => {});
    expect((await post(client({ connectMs: 10_000, idleMs: 100 }), silent.target)).error?.code).toBe('IDLE_TIMEOUT');

    const silentMidAnswer = await upstream((socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhalf'));
    expect(await post(client({ connectMs: 10_000, idleMs: 100 }), silentMidAnswer.target)).toMatchObject({ status: 200, body: 'half', error: { code: 'IDLE_TIMEOUT' } });

    const hangsUp = await upstream((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhalf'));
    expect(await post(client(), hangsUp.target)).toMatchObject({ status: 200, body: 'half', error: { code: 'CLOSED' } });
  });

  it('holds the answer back while the handler cannot take more, and lets it flow on resume', async () => {
    let answering!: (socket: net.Socket) => void;
    const answered = new Promise<net.Socket>((resolve) => (answering = resolve));
    const up = await upstream((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\none');
      answering(socket);
    });
    const pieces: string[] = [];
    let ended = false;
    const call = client().post(up.target, '/', [], Buffer.from('{}'), {
      onResponseStart: () => {},
      // Only the first piece holds the rest back (undici holds the answer's end back too after a false).
      onResponseData: (chunk) => pieces.push(chunk.toString()) > 1,
      onResponseEnd: () => (ended = true),
      onResponseError: (error) => expect.unreachable(error.message),
    });
    const socket = await answered;
    await expect.poll(() => pieces).toEqual(['one']);
    await new Promise((done) => socket.write('two', done));
    await loopbackDelivered();
    expect(pieces).toEqual(['one']);
    call.resume();
    await expect.poll(() => ended).toBe(true);
    expect(pieces).toEqual(['one', 'two']);
  });

  it('closes the connection on abort and tells the handler nothing more; close() ends calls under way with CLOSED', async () => {
    let upstreamSawClose!: () => void;
    const sawClose = new Promise<void>((resolve) => (upstreamSawClose = resolve));
    const up = await upstream((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nsome');
      socket.once('close', upstreamSawClose);
    });
    const heard: string[] = [];
    const call = client().post(up.target, '/', [], Buffer.from('{}'), {
      onResponseStart: () => heard.push('start'),
      onResponseData: () => (heard.push('data'), true),
      onResponseEnd: () => heard.push('end'),
      onResponseError: () => heard.push('error'),
    });
    await expect.poll(() => heard).toEqual(['start', 'data']);
    call.abort();
    await sawClose;
    expect(heard).toEqual(['start', 'data']);

    const upstreamClient = client();
    const pending = post(upstreamClient, up.target);
    await expect.poll(() => up.requests.length).toBe(2);
    await upstreamClient.close();
    expect((await pending).error?.code).toBe('CLOSED');
    expect(() => upstreamClient.post(up.target, '/', [], Buffer.from('{}'), {} as ResponseHandler)).toThrow(/closed/);
  });

  it('aborts a call still connecting: the handler hears nothing, and the upstream gets no request', async () => {
    const up = await upstream((socket) => socket.write(OK));
    const heard: string[] = [];
    const upstreamClient = client();
    const call = upstreamClient.post(up.target, '/', [], Buffer.from('{}'), {
      onResponseStart: () => heard.push('start'),
      onResponseData: () => (heard.push('data'), true),
      onResponseEnd: () => heard.push('end'),
      onResponseError: () => heard.push('error'),
    });
    call.abort();
    // A later call on the same client is answered: whatever the aborted one left is not in its way.
    expect(await post(upstreamClient, up.target)).toMatchObject({ status: 200, body: 'ok' });
    expect(heard).toEqual([]);
    expect(up.requests).toHaveLength(1);
  });
});
