/** Answering as Core answers: plain text without Content-Type for errors, JSON with it for successes. */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { compressed, encodingOf } from './compression.ts';
import { DialError } from './errors.ts';
import { isObject } from './json-merge.ts';

/** Every response of Core carries this (docs/dial-core.md#before-authentication). */
export const CORS_HEADERS = { 'access-control-allow-origin': '*' };

export function sendText(res: ServerResponse, status: number, body = '', headers: Record<string, string> = {}): void {
  // Deliberately no Content-Type: Core's ProxyContext.respond(status, String) sets none.
  sendBody(res, status, body, { ...CORS_HEADERS, ...headers });
}

/** JSON with Content-Type; `value` may already be JSON text (for numbers JavaScript cannot hold). */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  sendBody(res, status, typeof value === 'string' ? value : JSON.stringify(value), { ...CORS_HEADERS, 'content-type': 'application/json', ...headers });
}

/** A whole answer, compressed when the request asked for it (compression.ts). */
function sendBody(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>): void {
  const encoded = status === 304 || status === 204 ? undefined : compressed(res, body);
  if (encoded) {
    res.writeHead(status, { ...headers, 'content-encoding': encodingOf(res)!, 'content-length': encoded.length });
    res.end(encoded);
  } else {
    res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
}

/** Core's default `resources.maxSize`, for a request no limit was set on. */
const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;
/** Each request's limit, set on it by the Proxy check that knows which applies (handlers/service.ts). */
const BODY_LIMIT = Symbol('body limit');
type Limited = IncomingMessage & { [BODY_LIMIT]?: number };

export function limitBody(req: IncomingMessage, limit: number): void {
  (req as Limited)[BODY_LIMIT] = limit;
}

/**
 * The body, up to the request's limit (a larger declared Content-Length is refused earlier, by
 * bodyWithinLimit). Core reads a chunked body whole; mock-core stops at the limit, with the same 413.
 */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  const limit = (req as Limited)[BODY_LIMIT] ?? DEFAULT_BODY_LIMIT;
  // A body already in (a handler that waited on something else first) is taken from the stream's buffer at
  // once. Usually it is not: node:http hands over a request at the end of its head, and a handler's awaits
  // settle before the body's bytes are read, even from the same packet; then it is read as it comes.
  if (req.complete && req.readableFlowing === null) {
    const chunks: Buffer[] = [];
    let size = 0;
    for (let chunk: Buffer | null; (chunk = req.read() as Buffer | null) !== null; size += chunk.length) chunks.push(chunk);
    if (size > limit) return Promise.reject(new DialError(413, 'Request body is too large', { connection: 'close' }));
    return Promise.resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  }
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] | undefined = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks?.push(chunk);
      else if (chunks) {
        // Past the limit (a chunked body): stop keeping it, let it drain, and answer 413.
        chunks = undefined;
        reject(new DialError(413, 'Request body is too large', { connection: 'close' }));
      }
    });
    req.on('end', () => chunks && resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    // Core's answer when the body cannot be read to its end.
    req.on('error', () => reject(new DialError(422, 'Failed to receive body')));
  });
}

/** A header's single value; Node lower-cases names, so lookups are case-insensitive as Core's. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The body as a JSON object, or Core's 400 with `text` (each controller words its own). */
export async function readJsonObject(req: IncomingMessage, text: string): Promise<Record<string, unknown>> {
  return jsonObjectOf(await readBody(req), text);
}

/** Bytes read as a JSON object, or Core's 400 with `text` (empty where Core gives none). */
export function jsonObjectOf(bytes: Buffer, text = ''): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new DialError(400, text);
  }
  if (!isObject(value)) throw new DialError(400, text);
  return value;
}

/** A request target with any run of leading slashes as one, as Core reads it (URL() would take "//openai/…" for a host). */
export function oneLeadingSlash(target: string): string {
  return target.startsWith('//') ? target.replace(/^\/+/, '/') : target;
}

/** A request target's path, before any query or fragment. */
export function pathOf(target: string): string {
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}
