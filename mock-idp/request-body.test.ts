import { PassThrough } from 'node:stream';

import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';

import { BodyError } from './errors.ts';
import { readBody, type BodyOptions } from './request-body.ts';

/** A request as the reader sees it: headers and a body stream the test writes. */
function request(headers: Record<string, string>) {
  return Object.assign(new PassThrough(), { headers }) as unknown as Request & PassThrough;
}

function read(req: Request, options?: BodyOptions): Promise<unknown> {
  return new Promise((resolve) => readBody(options)(req, {} as Response, (error?: unknown) => resolve(error ?? req.body)));
}

describe('readBody reads a body once, as hapi reads it', () => {
  it('parses JSON and, when asked, forms; any other type is left unread', async () => {
    const json = request({ 'content-type': 'application/json', 'content-length': '9' });
    json.end('{"a":[1]}');
    expect(await read(json)).toEqual({ a: [1] });

    const form = request({ 'content-type': 'application/x-www-form-urlencoded', 'content-length': '11' });
    form.end('a=1&a=2&b=3');
    expect({ ...(await read(form, { types: ['form'] }) as object) }).toEqual({ a: ['1', '2'], b: '3' });

    const text = request({ 'content-type': 'text/plain', 'content-length': '2' });
    text.write('hi');
    expect(await read(text)).toBeUndefined();
    expect(text.read()?.toString()).toBe('hi'); // still there for whoever reads it
  });

  it('refuses a declared length over the limit before reading a byte', async () => {
    const big = request({ 'content-type': 'application/json', 'content-length': '2000' });
    const error = await read(big, { limit: 1000 });
    expect(error).toEqual(new BodyError(413, 'Payload content length greater than maximum allowed: 1000'));
    expect(big.listenerCount('data')).toBe(0);
  });

  it('stops reading a chunked body once it passes the limit', async () => {
    const chunked = request({ 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const answer = read(chunked, { limit: 10 });
    chunked.write('{"a":"0123456789"}');
    expect(await answer).toBeInstanceOf(BodyError);
    expect(chunked.isPaused()).toBe(true);
  });

  it('answers a body the client stopped sending with 400, once', async () => {
    const cut = request({ 'content-type': 'application/json', 'content-length': '100' });
    const answer = read(cut);
    cut.write('{"a":');
    cut.destroy();
    expect(await answer).toEqual(new BodyError(400, 'Request aborted'));
  });
});
