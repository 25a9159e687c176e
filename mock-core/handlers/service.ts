/**
 * What Core's Proxy.handleRequest answers itself, before authentication: its checks, in the order routes.ts
 * lists them, then /health and /version (docs/dial-core.md#before-authentication).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { DialError } from '../errors.ts';
import type { CoreState, OpenExchange } from '../exchange.ts';
import { header, limitBody, pathOf, sendText } from '../http.ts';

/** One of Proxy.handleRequest's checks: answers the request (true) or lets it go on down the table (false). */
export type ProxyCheck = (req: IncomingMessage, res: ServerResponse, core: CoreState) => boolean;

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'HEAD']);

/** Vert.x serves HTTP/1.0 too; Core refuses it. */
export function onlyHttp11(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.httpVersion === '1.1') return false;
  sendText(res, 505);
  return true;
}

/** CORS preflight, on any path: 200, empty, no authentication. */
export function preflight(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'OPTIONS') return false;
  const echo: Record<string, string> = { 'access-control-max-age': '86400' };
  const methods = header(req, 'access-control-request-method');
  const headers = header(req, 'access-control-request-headers');
  if (methods) echo['access-control-allow-methods'] = methods;
  if (headers) echo['access-control-allow-headers'] = headers;
  sendText(res, 200, '', echo);
  return true;
}

export function allowedMethod(req: IncomingMessage, res: ServerResponse): boolean {
  if (METHODS.has(req.method!)) return false;
  sendText(res, 405);
  return true;
}

/**
 * The body's declared size against `storage.maxUploadedFileSize` for a multipart upload, `resources.maxSize`
 * for anything else; Core counts a request without Content-Length as 1024 bytes (docs/dial-core.md#body-limits).
 * A chunked body is measured as it is read (http.ts).
 */
export function bodyWithinLimit(req: IncomingMessage, _res: ServerResponse, { storage }: CoreState): boolean {
  const declared = header(req, 'content-length');
  const size = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : 1024;
  const limit = header(req, 'content-type')?.startsWith('multipart/form-data') ? storage.settings.maxUploadedFileSize : storage.settings.maxSize;
  if (size > limit) throw new DialError(413, 'Request body is too large');
  // Core reads a chunked body whole, unmeasured; the sandbox reads one up to the largest limit it knows.
  limitBody(req, declared === undefined ? Math.max(limit, storage.settings.maxUploadedFileSize) : limit);
  return false;
}

/** 200, empty. (Core 0.39 also PINGs Redis here; the emulator has none to ping.) */
export function health({ res }: OpenExchange): void {
  sendText(res, 200);
}

export function version({ res, core }: OpenExchange): void {
  sendText(res, 200, core.version);
}

/**
 * Core decodes the path (URLDecoder) before it looks at it, and nothing catches the error a malformed
 * %-escape raises: Core's answer to one, on any path and before authentication, is a 500 with an empty
 * body (docs/dial-core.md#before-authentication).
 */
export function decodablePath(req: IncomingMessage): boolean {
  const target = req.url ?? '/';
  if (target.includes('%') && /%(?![0-9a-fA-F]{2})/.test(pathOf(target))) throw new DialError(500, '');
  return false;
}
