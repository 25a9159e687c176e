import { describe, expect, it } from 'vitest';

import { Framer } from './http1-framer.ts';

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
    ['a status line that is not HTTP/1.x', 'HTTP/2 200 OK\r\n\r\n', 'a status line of "HTTP/2 200 OK"'],
    ['a status under 100', 'HTTP/1.1 099 Odd\r\ncontent-length: 0\r\n\r\n', 'a status of 099'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', 'a header line of "no colon here"'],
    ['whitespace before the colon', 'HTTP/1.1 200 OK\r\ncontent-length : 1\r\n\r\nx', 'a header line of "content-length : 1"'],
    ['a header name that is not a token', 'HTTP/1.1 200 OK\r\nx(a): 1\r\n\r\n', 'a header line of "x(a): 1"'],
    ['a control character in a header value', 'HTTP/1.1 200 OK\r\nx-a: 1\x7f2\r\n\r\n', 'a header value of "1\x7f2"'],
    ['a bare line feed in a header value', 'HTTP/1.1 200 OK\r\nx-a: 1\nx-b: 2\r\n\r\n', 'a header value of "1\nx-b: 2"'],
    ['an obsolete folded line', 'HTTP/1.1 200 OK\r\nx-a: 1\r\n  folded\r\n\r\n', 'a header line of "  folded"'],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nxx', 'a Content-Length of "2"'],
    ['a Content-Length that is not a number', 'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n', 'a Content-Length of "-1"'],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', 'a chunk size of "zz"'],
    ['a chunk longer than its size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n', 'a chunk longer than its size'],
    ['a head over 8 KiB', `HTTP/1.1 200 OK\r\nx-big: ${'x'.repeat(8200)}\r\n\r\n`, 'more than 8192 bytes without the end of a line'],
  ])('refuses %s (BAD_RESPONSE, saying what), in one piece or byte by byte', (_what, answer, saying) => {
    for (const pieces of [[answer], [...answer]]) {
      expect(() => frame(...pieces)).toThrow(expect.objectContaining({ code: 'BAD_RESPONSE', message: expect.stringContaining(saying) }));
    }
  });
});
