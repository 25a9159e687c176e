/**
 * Request bodies as Auth0 reads them. Auth0's body errors are the words of hapi's body reader ("Invalid
 * request payload JSON format", "Payload content length greater than maximum allowed: 56320"), so where
 * express's parsers would differ, the IdP reads as hapi does
 * (https://github.com/hapijs/subtext/blob/master/lib/index.js):
 * - a `charset` parameter is ignored and the body read as UTF-8 (express refuses one it does not know);
 * - only `gzip` and `deflate` are decoded; any other Content-Encoding (`br` included) is read as it is;
 * - a body that does not decode is 400 "Invalid compressed payload".
 */
import type { NextFunction, Request, Response } from 'express';

import { Auth0Error } from './errors.ts';

const CHARSET_PARAMETER = /;\s*charset\s*=\s*("[^"]*"|[^;]*)/gi;
const DECODED_ENCODINGS = new Set(['gzip', 'deflate']);

/** Before express's parsers: the headers as hapi would act on them. */
export function readBodyAsHapi(req: Request, _res: Response, next: NextFunction): void {
  const type = req.headers['content-type'];
  if (type) req.headers['content-type'] = type.replace(CHARSET_PARAMETER, '');
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && !DECODED_ENCODINGS.has(encoding)) delete req.headers['content-encoding'];
  next();
}

export type BodyError = Error & { type?: string; status?: number; expose?: boolean; code?: string; limit?: number };

/** express's parser errors (a body that is not JSON, too large, not decodable) as Auth0 answers them. */
export function auth0BodyError(error: BodyError): Auth0Error | undefined {
  if (error.type === 'entity.parse.failed') return new Auth0Error(400, 'invalid_request', 'Invalid request payload JSON format');
  if (error.type === 'entity.too.large') return new Auth0Error(413, 'invalid_request', `Payload content length greater than maximum allowed: ${error.limit}`);
  // zlib's errors, passed on by express with status 400.
  if (error.status === 400 && error.code?.startsWith('Z_')) return new Auth0Error(400, 'invalid_request', 'Invalid compressed payload');
  // The rest of express's client errors (a body cut short, too many form fields): its words, Auth0's shape.
  if (error.type && error.expose && error.status && error.status < 500) return new Auth0Error(error.status, 'invalid_request', error.message);
  return undefined;
}
