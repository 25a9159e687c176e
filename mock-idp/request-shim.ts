/**
 * Turns Auth0-style requests into the ones oidc-provider understands, before it sees them
 * (docs/auth0.md#oidc-provider-gaps, docs/auth0.md#token-endpoint):
 * - `audience` becomes RFC 8707 `resource` (oidc-provider reads only the latter), and `scope` is kept whole
 *   (see REQUESTED_SCOPE_PARAM);
 * - JSON bodies on /oauth/token and /oauth/revoke become form bodies (Auth0 takes both);
 * - HTTP Basic client credentials move into the body, since Auth0 takes either method from any client;
 * - a client_credentials request without `scope` asks for every scope of the client grant, as Auth0 grants.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { stringify as formText } from 'node:querystring';
import { Readable } from 'node:stream';

import type { NextFunction, Request, Response } from 'express';

import { REQUESTED_SCOPE_PARAM, audienceToResource, resourceToAudience } from './auth0.ts';
import { Auth0Error } from './errors.ts';
import { readBody, TOKEN_BODY_LIMIT } from './request-body.ts';
import type { Tenant } from './tenant.ts';

export function authorizeShim(req: Request, _res: Response, next: NextFunction): void {
  const url = new URL(req.url, 'http://localhost');
  const audience = url.searchParams.get('audience');
  if (audience !== null) {
    url.searchParams.delete('audience');
    if (!url.searchParams.has('resource') && audience) url.searchParams.set('resource', audienceToResource(audience));
  }
  url.searchParams.delete(REQUESTED_SCOPE_PARAM);
  const scope = url.searchParams.get('scope');
  if (scope) url.searchParams.set(REQUESTED_SCOPE_PARAM, scope);
  req.url = `${url.pathname}${url.search}`;
  next();
}

export function tokenRequestShim(tenant: Tenant) {
  return [readBody({ types: ['json', 'form'], limit: TOKEN_BODY_LIMIT }), function toAuth0Form(req: Request, res: Response, next: NextFunction): void {
    const body: Record<string, string> = {};
    // A JSON body that is not an object (`[…]`, `"…"`) names no parameters.
    const fields = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined || value === null) continue;
      const text = parameterText(value);
      if (text === undefined) return next(new Auth0Error(400, 'invalid_request', `Invalid parameter '${key}': expected a string.`));
      body[key] = text;
    }
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const credentials = basicCredentials(basic[1]!);
      if (!credentials) return next(new Auth0Error(401, 'access_denied', 'Unauthorized'));
      body.client_id ??= credentials.id;
      body.client_secret ??= credentials.secret;
      delete req.headers.authorization;
    }
    const audience = body.audience;
    if ('audience' in body) {
      if (audience && !body.resource) body.resource = audienceToResource(audience);
      delete body.audience;
    }
    // The API the token will be for: the one asked for, else the tenant's default (as oidc-provider resolves it).
    const api = body.resource ? resourceToAudience(body.resource) : tenant.default_audience;
    const clientGrant = tenant.client_grants.find((g) => g.client_id === body.client_id && g.audience === api);
    if (body.grant_type === 'client_credentials' && clientGrant) {
      // Auth0 grants the client grant's scopes: all of them when none are asked for, and never others.
      const notGranted = (body.scope ?? '').split(' ').filter((s) => s && !clientGrant.scope.includes(s));
      if (notGranted.length) return next(new Auth0Error(403, 'access_denied', `Client has not been granted scopes: ${notGranted.join(' ')}`));
      if (body.scope === undefined && clientGrant.scope.length) body.scope = clientGrant.scope.join(' ');
    }
    // oidc-provider keeps offline_access out of a refresh token's scope; Auth0 takes it back on a refresh.
    if (body.grant_type === 'refresh_token' && body.scope) body.scope = body.scope.split(' ').filter((s) => s !== 'offline_access').join(' ');
    if (body.grant_type === 'client_credentials' && !body.resource && !tenant.default_audience) {
      return next(new Auth0Error(403, 'access_denied', 'No audience parameter was provided, and no default audience has been configured'));
    }
    res.locals.oidcRequest = replayWithForm(req, formText(body));
    next();
  }];
}

/**
 * A JSON body's parameter as form text: a string, a number or boolean as written, a list of strings (a
 * `scope`, a repeated form field) space-separated. Auth0 does not document its words for anything else (an
 * object, a nested list); RFC 6749 §5.2 makes it `invalid_request`.
 */
function parameterText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(' ');
  return undefined;
}

/**
 * The request as oidc-provider should read it: same method, URL, headers and socket, with the rewritten
 * form body as a fresh stream (it reads bodies itself, and warns when something upstream already did).
 */
export function replayWithForm(req: Request, form: string): IncomingMessage {
  const content = Buffer.from(form);
  // The whole body pushed at once: Readable.from would read it through an async iterator of its own.
  const stream = new Readable({ read() {} });
  stream.push(content);
  stream.push(null);
  return Object.assign(stream, {
    method: req.method,
    url: req.url,
    headers: { ...withoutContentEncoding(req.headers), 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(content.length) },
    socket: req.socket,
    connection: req.socket,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
  }) as unknown as IncomingMessage;
}

/** The form is plain text, whatever the client's body was sent as. */
function withoutContentEncoding({ 'content-encoding': _decoded, ...headers }: IncomingHttpHeaders): IncomingHttpHeaders {
  return headers;
}

/** RFC 6749 §2.3.1: `id:secret`, each form-urlencoded, split at the first colon. */
function basicCredentials(encoded: string): { id: string; secret: string } | undefined {
  const decoded = Buffer.from(encoded, 'base64').toString();
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const formDecode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return undefined; // a malformed %-escape
  }
}
