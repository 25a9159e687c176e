/**
 * The IdP's one error handler, last on the server: every error in the wire format of the API it was asked of.
 * The error classes (errors.ts) carry their own status and body. A body that cannot be read (BodyError) and
 * a path that is not valid %-encoding (URIError) take the shape of the API they were sent to. Anything else
 * is a 500 whose stack goes to the log, and whose body says only that.
 */
import type { NextFunction, Request, Response } from 'express';

import type { Logger } from '../common/log.ts';
import { Auth0Error, BodyError, ManagementError } from './errors.ts';

const FAILED = 'mock-idp failed; its log has the details.';

/** `managementApi`: the path under which the Management API answers, in its own shape. */
export function handleErrors(log: Logger, managementApi: string) {
  const isManagement = (path: string) => path === managementApi || path.startsWith(`${managementApi}/`);
  return function handleError(error: unknown, req: Request, res: Response, _next: NextFunction): void {
    const management = isManagement(req.path);
    const known = error instanceof Auth0Error || error instanceof ManagementError ? error : (management ? managementError : auth0Error)(error, req);
    if (!known) log.error(`${req.method} ${req.path} failed: ${(error as Error | undefined)?.stack ?? String(error)}`);
    if (res.headersSent) return;
    const answer = known ?? (management ? new ManagementError(500, FAILED, 'internal_error') : new Auth0Error(500, 'server_error', FAILED));
    res.status(answer.statusCode);
    if (answer instanceof Auth0Error) res.set('Cache-Control', 'no-store');
    res.json(answer.body);
  };
}

function auth0Error(error: unknown, req: Request): Auth0Error | undefined {
  if (error instanceof BodyError) return new Auth0Error(error.status, 'invalid_request', error.message);
  if (error instanceof URIError) return new Auth0Error(400, 'invalid_request', notUrlEncoding(req));
  return undefined;
}

function managementError(error: unknown, req: Request): ManagementError | undefined {
  if (error instanceof BodyError) return new ManagementError(error.status, error.message, error.status === 413 ? 'payload_too_large' : 'invalid_body');
  // Auth0's words for a path express cannot decode are not documented.
  if (error instanceof URIError) return new ManagementError(400, notUrlEncoding(req), 'invalid_uri');
  return undefined;
}

const notUrlEncoding = (req: Request) => `The path ${req.path} is not valid URL encoding.`;
