/**
 * Request bodies as Auth0 reads them. Auth0's body errors are the words of hapi's body reader, subtext
 * (https://github.com/hapijs/subtext/blob/master/lib/index.js): "Invalid request payload JSON format",
 * "Payload content length greater than maximum allowed: 57344", "Invalid compressed payload". So the IdP
 * reads as subtext does, in one pass, rather than through express's parsers (which differ from it, and cost
 * more than the rest of a token request's reading together):
 * - a `charset` parameter is ignored and the body read as UTF-8;
 * - only `gzip` and `deflate` are decoded; any other Content-Encoding (`br` included) is read as it is, and
 *   a body that does not decode is 400 "Invalid compressed payload";
 * - JSON with a `__proto__` key is refused (hapi parses with bourne, protoAction "error");
 * - a form is parsed by node:querystring (a repeated field becomes a list).
 */
import { parse as parseForm } from 'node:querystring';
import { gunzipSync, inflateSync } from 'node:zlib';

import type { NextFunction, Request, Response } from 'express';

import { BodyError } from './errors.ts';

export interface BodyOptions {
  /** What is read: JSON, `application/x-www-form-urlencoded`, or both. JSON only by default. */
  types?: ('json' | 'form')[];
  /** Bytes a body may have, read and decoded: 100 KiB by default (as express's parsers, which came first). */
  limit?: number;
}

/** The token endpoint's limit, oidc-provider's and Auth0's alike (56 KiB). */
export const TOKEN_BODY_LIMIT = 56 * 1024;

/** The media types read, by the name `types` gives them (a Map: a Content-Type such as `constructor` finds nothing). */
const KINDS = new Map<string | undefined, 'json' | 'form'>([['application/json', 'json'], ['application/x-www-form-urlencoded', 'form']]);

/**
 * Sets `req.body` from a JSON (or form) body; a request with none, or of another type, is left unread with
 * `req.body` undefined, as express's parsers leave it. A body that cannot be read is a BodyError, to `next`.
 */
export function readBody({ types = ['json'], limit = 100 * 1024 }: BodyOptions = {}) {
  return function readBodyAsHapi(req: Request, _res: Response, next: NextFunction): void {
    const type = KINDS.get(mediaType(req.headers['content-type']));
    if (!type || !types.includes(type) || !hasBody(req)) return next();
    const parse = type === 'json' ? parseJson : parseFormText;
    const declared = Number(req.headers['content-length']);
    if (declared > limit) return next(tooLarge(limit));

    const chunks: Buffer[] = [];
    let received = 0;
    const stop = (error?: BodyError) => {
      req.off('data', onData).off('end', onEnd).off('close', onAborted).off('error', onAborted);
      if (error) req.pause(); // not one more byte of a body that is refused
      next(error);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) return stop(tooLarge(limit));
      chunks.push(chunk);
    };
    const onAborted = () => stop(new BodyError(400, 'Request aborted'));
    const onEnd = () => {
      try {
        req.body = parse(decode(Buffer.concat(chunks, received), req.headers['content-encoding'], limit).toString('utf8'));
        stop();
      } catch (error) {
        stop(error instanceof BodyError ? error : new BodyError(400, String(error)));
      }
    };
    // 'close' before 'end': the client went away mid-body.
    req.on('data', onData).on('end', onEnd).on('close', onAborted).on('error', onAborted);
  };
}

/** The media type alone, lower-cased: hapi acts on no parameter (a charset included). */
function mediaType(header: string | undefined): string | undefined {
  return header?.split(';', 1)[0]!.trim().toLowerCase();
}

/** RFC 9112 §6.3: a request has a body when it says how long it is or that it is chunked. */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
}

function decode(body: Buffer, encoding: string | undefined, limit: number): Buffer {
  const inflate = encoding === 'gzip' ? gunzipSync : encoding === 'deflate' ? inflateSync : undefined;
  if (!inflate) return body;
  try {
    return inflate(body, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit);
    throw new BodyError(400, 'Invalid compressed payload');
  }
}

function parseJson(text: string): unknown {
  if (!text) return {};
  try {
    return JSON.parse(text, text.includes('__proto__') ? refusePrototype : undefined);
  } catch {
    throw new BodyError(400, 'Invalid request payload JSON format');
  }
}

function refusePrototype(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new Error('__proto__ key');
  return value;
}

function parseFormText(text: string): Record<string, string | string[]> {
  return parseForm(text) as Record<string, string | string[]>;
}

const tooLarge = (limit: number) => new BodyError(413, `Payload content length greater than maximum allowed: ${limit}`);
