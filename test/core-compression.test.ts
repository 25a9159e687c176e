/**
 * Core's answers compressed as its Vert.x server compresses them (docs/dial-core.md#compression): gzip or
 * deflate as the request's Accept-Encoding prefers, errors, JSON and relayed answers alike, streamed ones
 * flushed piece by piece; nothing without the header, or with `server.compressionSupported: false`.
 */
import http from 'node:http';
import zlib from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Core } from '../mock-core/core.ts';
import type { Models } from '../mock-models/models.ts';
import { startCoreWith } from './support/core-alone.ts';
import { startTestModels } from './support/models.ts';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** When each piece of the body arrived, ms after the headers. */
  arrivals: number[];
}

function raw(base: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const req = http.request({ host: hostname, port, path, method: body === undefined ? 'GET' : 'POST', headers }, (res) => {
      const started = performance.now();
      const chunks: Buffer[] = [];
      const arrivals: number[] = [];
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        arrivals.push(performance.now() - started);
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), arrivals }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('compressed answers', () => {
  let models: Models;
  let core: Core;
  let plain: Core;
  const key = { 'api-key': 'k' };
  beforeAll(async () => {
    models = await startTestModels();
    const config = {
      models: { m: { type: 'chat', endpoint: `${models.url}/openai/deployments/gpt-35-turbo/chat/completions`, upstreams: [{ endpoint: models.url, key: 'modelKey1' }] } },
      keys: { k: { project: 'p', role: 'r' } },
    };
    const settings = { identityProviders: { idp: { disableJwtVerification: true, rolePath: 'roles' } } };
    [core, plain] = await Promise.all([startCoreWith(settings, config), startCoreWith({ ...settings, server: { compressionSupported: false } }, config)]);
  });
  afterAll(() => Promise.all([core?.stop(), plain?.stop(), models?.stop()]));

  it('gzips an error and a listing when asked, deflates when deflate ranks higher, and sends them as they are when not', async () => {
    const error = await raw(core.url, '/openai/models', { 'accept-encoding': 'gzip, deflate' });
    expect([error.status, error.headers['content-encoding'], zlib.gunzipSync(error.body).toString()]).toEqual([401, 'gzip', 'At least API-KEY or Authorization header must be provided']);
    const listing = await raw(core.url, '/openai/models', { ...key, 'accept-encoding': 'gzip;q=0.5, deflate' });
    expect(listing.headers['content-encoding']).toBe('deflate');
    expect(JSON.parse(zlib.inflateSync(listing.body).toString()).data[0].id).toBe('m');
    const identity = await raw(core.url, '/openai/models', key);
    expect(identity.headers).not.toHaveProperty('content-encoding');
    expect(JSON.parse(identity.body.toString()).object).toBe('list');
    const off = await raw(plain.url, '/openai/models', { ...key, 'accept-encoding': 'gzip' });
    expect(off.headers).not.toHaveProperty('content-encoding');
  });

  it('compresses a relayed stream piece by piece, so it still streams', async () => {
    models.setFault('gpt-35-turbo', { chunkDelayMs: 60 });
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'one two three four five' }], stream: true });
    const answer = await raw(core.url, '/openai/deployments/m/chat/completions', { ...key, 'content-type': 'application/json', 'accept-encoding': 'gzip' }, body);
    models.reset();
    expect([answer.status, answer.headers['content-encoding'], answer.headers['transfer-encoding']]).toEqual([200, 'gzip', 'chunked']);
    const text = zlib.gunzipSync(answer.body).toString();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    // Five tokens 60 ms apart: flushed as they came, not in one piece at the end.
    expect(answer.arrivals.length).toBeGreaterThanOrEqual(4);
    expect(answer.arrivals.at(-1)! - answer.arrivals[0]!).toBeGreaterThanOrEqual(3 * 50);
  });
});
