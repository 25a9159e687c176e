/**
 * Seeded malformed HTTP requests for test/fuzz.test.ts: the same seed makes the same requests, so a failure
 * reproduces. Each request starts from something a service serves (a path, a good body, a good credential)
 * and spoils some of it: bodies, content types and encodings, headers, tokens, paths, methods, queries.
 */
import http from 'node:http';
import { gzipSync } from 'node:zlib';

/** Marsaglia's xorshift32: tiny, and plenty for picking among malformations. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0 || 1;
  }

  /** A number in [0, 1). */
  next(): number {
    let x = this.#state;
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    this.#state = x;
    return x / 2 ** 32;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

/** What a service serves, to spoil. */
export interface Target {
  /** Paths it serves, queries included where they matter. */
  paths: string[];
  /** Well-formed bodies for its endpoints. */
  bodies: Record<string, unknown>[];
  /** Headers that authenticate, each as it is (`['authorization', 'Bearer …']`). */
  credentials: [string, string][];
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

const METHODS = ['GET', 'GET', 'POST', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'PROPFIND', 'FOO'];
const CONTENT_TYPES = [
  'application/json', 'application/json', 'application/json; charset=bogus', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=latin1', 'text/plain', 'multipart/form-data; boundary=zzz', 'application/vnd.api+json', '*/*', ';;;', '', 'application/json, text/html',
];
const ENCODINGS = ['gzip', 'deflate', 'br', 'identity', 'compress', 'gzip, br', 'x-unknown', 'GZIP'];
const SEGMENTS = ['%zz', '%00', '%E0%A4%A', '..', '%2e%2e', '%2F', 'x'.repeat(3000), encodeURIComponent('é𝄞'), '*', '~', ''];
const QUERIES = ['a=1&a=2', 'a[b]=c', '%zz=%', '=', '&&&', `x=${'y'.repeat(4000)}`, 'api-version=%00', 'audience=', 'page=-1&per_page=1e9', 'q=email:%22'];

/** JSON text nested `depth` levels deep. */
export const nested = (depth: number, inner = '1'): string => '{"a":'.repeat(depth) + inner + '}'.repeat(depth);

/** A JSON value a service might not expect: types, extremes, prototype keys, depth. */
function oddJson(r: Random): string {
  return r.pick<() => string>([
    () => 'null', () => 'true', () => '-0', () => '1e308', () => '-1e999', () => '123456789012345678901234567890', () => '1.5',
    () => '""', () => JSON.stringify('\u0000\u202e\ud800 %'), () => JSON.stringify('x'.repeat(70_000)),
    () => '[]', () => '{}', () => '[null]', () => '[[["a"]]]', () => '{"toString":1,"valueOf":{}}',
    () => '{"__proto__":{"polluted":true}}', () => '{"constructor":{"prototype":{"polluted":true}}}',
    () => nested(r.pick([50, 1000, 5000])), () => '['.repeat(20_000) + ']'.repeat(20_000),
  ])();
}

/** Stands in a good body for an odd value, which then replaces it as text. */
const ODD = '\u0001odd';

function body(r: Random, good: Record<string, unknown>): string | Buffer {
  const text = JSON.stringify(good);
  const keys = Object.keys(good);
  return r.pick<() => string | Buffer>([
    () => text,
    () => JSON.stringify({ ...good, [r.pick(keys)]: ODD }).replace(`"\\u0001odd"`, () => oddJson(r)),
    () => JSON.stringify({ ...good, extra: ODD }).replace(`"\\u0001odd"`, () => oddJson(r)),
    () => oddJson(r),
    () => text.slice(0, r.int(text.length)),
    () => Buffer.from(Array.from({ length: r.int(2048) }, () => r.int(256))),
    () => `${new URLSearchParams(good as Record<string, string>)}&%zz=%E0%A4%A&${'&'.repeat(2000)}`,
    () => '',
    () => JSON.stringify({ ...good, padding: 'p'.repeat(200_000) }),
  ])();
}

/** A JWT that is not one the service issued: odd headers, odd claims, any signature. */
function forgedToken(r: Random): string {
  const b64 = (text: string) => Buffer.from(text).toString('base64url');
  const header = r.pick(['{"alg":"none"}', '{"alg":"RS256","kid":"nope"}', '{"alg":"HS256","typ":"JWT"}', oddJson(r)]);
  const claims = r.pick(['{"exp":1e308,"sub":"x"}', `{"sub":${oddJson(r)}}`, nested(300), '{"scope":{"toString":1}}', `{"dial_roles":${oddJson(r)},"iat":-1e19}`]);
  return `${b64(header)}.${b64(claims)}.${r.pick(['', 'c2ln', '!!!', 'x'.repeat(400)])}`;
}

function authorization(r: Random, target: Target): [string, string] | undefined {
  if (r.chance(0.3) && target.credentials.length) return r.pick(target.credentials);
  return r.pick<() => [string, string] | undefined>([
    () => undefined,
    () => ['authorization', r.pick(['Bearer', 'Bearer ', 'Bearer  two', 'Negotiate abc', 'Bearer a.b.c', `Bearer ${'x'.repeat(6000)}`])],
    () => ['authorization', `Bearer ${forgedToken(r)}`],
    () => ['authorization', `Basic ${r.pick(['!!!', Buffer.from('no-colon').toString('base64'), Buffer.from('a:%E0%A4%A').toString('base64'), ''])}`],
    () => ['api-key', r.pick(['nope', '', forgedToken(r)])],
  ])();
}

function path(r: Random, target: Target): string {
  const [pathname, query] = r.pick(target.paths).split('?') as [string, string | undefined];
  const segments = pathname.split('/');
  if (r.chance(0.3)) segments[1 + r.int(segments.length - 1)] = r.pick(SEGMENTS);
  if (r.chance(0.1)) segments.push(r.pick(['', 'extra', '..']));
  const spoiled = `${r.chance(0.05) ? '/' : ''}${segments.join('/') || '/'}`;
  const queries = [query, r.chance(0.3) ? r.pick(QUERIES) : undefined].filter(Boolean);
  return queries.length ? `${spoiled}?${queries.join('&')}` : spoiled;
}

export function malformedRequest(r: Random, target: Target): FuzzRequest {
  const method = r.pick(METHODS);
  const headers: Record<string, string> = {};
  const credential = authorization(r, target);
  if (credential) headers[credential[0]] = credential[1];
  if (r.chance(0.1)) headers[r.pick(['x-forwarded-for', 'cookie', 'origin', 'accept', 'traceparent', 'x-dial-override-name', 'range'])] = r.pick(['garbage', '%zz; =;;', 'null', '*/*;q=x', 'bytes=abc', '']);
  if (method === 'GET' || method === 'HEAD' || r.chance(0.05)) return { method, path: path(r, target), headers };
  let payload = body(r, r.pick(target.bodies));
  if (r.chance(0.85)) headers['content-type'] = r.pick(CONTENT_TYPES);
  if (r.chance(0.15)) {
    headers['content-encoding'] = r.pick(ENCODINGS);
    if (headers['content-encoding'] === 'gzip' && r.chance(0.5)) payload = gzipSync(payload);
  }
  return { method, path: path(r, target), headers, body: Buffer.from(payload) };
}

export interface Answer {
  status: number;
  body: string;
  /** The client's error when there was no answer (a connection the service closed). */
  error?: string;
}

/** One request; a connection the service closes without an answer is an answer with status 0. */
export function send(base: string, request: FuzzRequest, agent: http.Agent): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.request(`${base}${request.path}`, { method: request.method, headers: request.headers, agent, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 300) }));
      res.on('error', (error) => resolve({ status: res.statusCode ?? 0, body: '', error: error.message }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', (error) => resolve({ status: 0, body: '', error: error.message }));
    req.end(request.body);
  });
}
