import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { Framer, Http1Client, targetOf, UpstreamError, type ResponseHandler, type Target } from './http1-client.ts';

/** What a Framer made of some bytes, fed in the pieces given. */
function frame(...pieces: string[]) {
  const framer = new Framer();
  const answers: { status: number; headers: string[]; body: string; reusable?: boolean }[] = [];
  for (const piece of pieces) {
    framer.read(Buffer.from(piece, 'latin1'), {
      start: (status, headers) => answers.push({ status, headers, body: '' }),
      data: (chunk) => (answers.at(-1)!.body += chunk.toString('latin1')),
      end: (reusable) => (answers.at(-1)!.reusable = reusable),
    });
  }
  return { answers, endsAtClose: framer.endsAtClose() };
}

/** Every way of cutting `text` in two, and byte by byte. */
function cuts(text: string): string[][] {
  const ways = [[text], [...text]];
  for (let at = 1; at < text.length; at++) ways.push([text.slice(0, at), text.slice(at)]);
  return ways;
}

describe('Framer: answers framed as RFC 9112 says, however the bytes arrive', () => {
  it('reads a Content-Length answer, its headers flat and lower-cased', () => {
    const answer = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\nX-Two: a\r\nx-two: b\r\n\r\n{"a":1}';
    for (const pieces of cuts(answer)) {
      expect(frame(...pieces).answers).toEqual([
        { status: 200, headers: ['content-type', 'application/json', 'content-length', '7', 'x-two', 'a', 'x-two', 'b'], body: '{"a":1}', reusable: true },
      ]);
    }
  });

  it('reads a chunked answer with extensions and trailers (not relayed), then the next answer on the connection', () => {
    const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nx-trailer: t\r\n\r\n';
    const next = 'HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok';
    for (const pieces of cuts(chunked)) {
      expect(frame(...pieces, next).answers).toEqual([
        { status: 200, headers: ['transfer-encoding', 'chunked'], body: 'hello, world!!!', reusable: true },
        { status: 201, headers: ['content-length', '2'], body: 'ok', reusable: true },
      ]);
    }
  });

  it('skips informational answers, and ends 204 and Content-Length: 0 answers at once', () => {
    const { answers } = frame('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n', 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    expect(answers.map((a) => [a.status, a.body, a.reusable])).toEqual([[204, '', true], [200, '', true]]);
  });

  it('reads an answer without length or chunking until the connection closes, never to reuse it', () => {
    const { answers, endsAtClose } = frame('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nsome', ' more');
    expect(answers).toEqual([{ status: 200, headers: ['content-type', 'text/plain'], body: 'some more' }]);
    expect(endsAtClose).toBe(true);
  });

  it('does not reuse a connection the upstream closes, an HTTP/1.0 one without keep-alive, or one that sent more than the answer', () => {
    expect(frame('HTTP/1.1 200 OK\r\nconnection: keep-alive, Close\r\ncontent-length: 0\r\n\r\n').answers[0]!.reusable).toBe(false);
    expect(frame('HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n').answers[0]!.reusable).toBe(false);
    expect(frame('HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n').answers[0]!.reusable).toBe(true);
    expect(frame('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nxy').answers[0]).toMatchObject({ body: 'x', reusable: false });
  });

  it.each([
    ['a status line that is not HTTP/1.x', 'HTTP/2 200 OK\r\n\r\n'],
    ['a status under 100', 'HTTP/1.1 099 Odd\r\ncontent-length: 0\r\n\r\n'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n'],
    ['whitespace before the colon', 'HTTP/1.1 200 OK\r\ncontent-length : 1\r\n\r\nx'],
    ['a header name that is not a token', 'HTTP/1.1 200 OK\r\nx(a): 1\r\n\r\n'],
    ['a control character in a header value', 'HTTP/1.1 200 OK\r\nx-a: 1\x7f2\r\n\r\n'],
    ['a bare line feed in a header value', 'HTTP/1.1 200 OK\r\nx-a: 1\nx-b: 2\r\n\r\n'],
    ['an obsolete folded line', 'HTTP/1.1 200 OK\r\nx-a: 1\r\n  folded\r\n\r\n'],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nxx'],
    ['a Content-Length that is not a number', 'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n'],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'],
    ['a chunk longer than its size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n'],
    ['a head over 8 KiB', `HTTP/1.1 200 OK\r\nx-big: ${'x'.repeat(8200)}\r\n\r\n`],
  ])('refuses %s (BAD_RESPONSE), in one piece or byte by byte', (_what, answer) => {
    for (const pieces of [[answer], [...answer]]) {
      expect(() => frame(...pieces)).toThrow(expect.objectContaining({ code: 'BAD_RESPONSE' }));
    }
  });
});

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

describe('Http1Client: keep-alive connections to upstreams', () => {
  const stops: (() => unknown)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  /** A raw upstream: `answer` gets each request's socket and bytes; counts the connections made to it. */
  async function upstream(answer: (socket: net.Socket, request: string) => void) {
    const requests: string[] = [];
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.on('data', (bytes) => {
        requests.push(bytes.toString('latin1'));
        answer(socket, bytes.toString('latin1'));
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
    const http1 = new Http1Client(timeouts);
    stops.push(() => http1.close());
    return http1;
  }

  /** Posts and collects the answer, however it ends. */
  function post(http1: Http1Client, target: Target, headers: string[] = [], body = '{}') {
    return new Promise<{ status?: number; headers?: string[]; body: string; error?: UpstreamError }>((resolve) => {
      const result: { status?: number; headers?: string[]; body: string; error?: UpstreamError } = { body: '' };
      http1.post(target, '/chat?api-version=1', headers, Buffer.from(body), {
        onResponseStart: (status, list) => Object.assign(result, { status, headers: list }),
        onResponseData: (chunk) => ((result.body += chunk.toString()), true),
        onResponseEnd: () => resolve(result),
        onResponseError: (error) => resolve({ ...result, error }),
      });
    });
  }

  const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';

  it('sends one request as Core would (Host, Content-Length, the headers given) and reuses the connection', async () => {
    const up = await upstream((socket) => socket.write(OK));
    const http1 = client();
    expect(await post(http1, up.target, ['x-a', '1', 'api-key', 'k'], '{"q":1}')).toMatchObject({ status: 200, body: 'ok' });
    expect(await post(http1, up.target)).toMatchObject({ status: 200, body: 'ok' });
    expect(up.requests[0]).toBe(`POST /chat?api-version=1 HTTP/1.1\r\nhost: ${up.target.host}\r\ncontent-length: 7\r\nx-a: 1\r\napi-key: k\r\n\r\n{"q":1}`);
    expect(up.connections()).toBe(1);
  });

  it("opens a new connection once the upstream's Keep-Alive timeout is nearly up, and after a Connection: close", async () => {
    const up = await upstream((socket, request) => socket.write(request.includes('x-close') ? 'HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n' : 'HTTP/1.1 200 OK\r\nkeep-alive: timeout=1\r\ncontent-length: 0\r\n\r\n'));
    const http1 = client();
    await post(http1, up.target);
    await post(http1, up.target); // timeout=1 leaves no second to reuse it in
    expect(up.connections()).toBe(2);
    await post(http1, up.target, ['x-close', 'yes']);
    await post(http1, up.target);
    expect(up.connections()).toBe(4);
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
      onResponseData: (chunk) => (pieces.push(chunk.toString()), false),
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

    const http1 = client();
    const pending = post(http1, up.target);
    await expect.poll(() => up.requests.length).toBe(2);
    await http1.close();
    expect((await pending).error?.code).toBe('CLOSED');
  });
});
