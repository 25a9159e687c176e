/**
 * The Management API v2 subset at /api/v2 (docs/auth0.md#management-api): a Bearer token from
 * client_credentials for the Management API audience, its `scope` checked per operation, and errors as
 * `{statusCode, error, message, errorCode}`.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/log.ts';
import type { Directory } from '../directory/directory.ts';
import type { SigningKeys } from '../keys.ts';
import { BodyError } from '../errors.ts';
import { readBody } from '../request-body.ts';
import { verifyTenantJwt } from '../verify-access-token.ts';
import { directoryRoutes } from './directory-routes.ts';
import { managementAudience, type ManagementScope } from './management-api.ts';
import { ManagementError } from './management-error.ts';

export interface ManagementDeps {
  issuer: string;
  keys: SigningKeys;
  directory: Directory;
  clock: Clock;
}

type Handler = (req: Request, res: Response) => unknown;
/** A route handler that first checks the caller's token for one of `scopes`. */
export type Operation = (scopes: ManagementScope[], handler: Handler) => (req: Request, res: Response, next: NextFunction) => Promise<void>;

export function managementRoutes({ issuer, keys, directory, clock }: ManagementDeps, log: Logger): Router {
  const router = express.Router();
  router.use(readBody());
  const audience = managementAudience(issuer);

  /** An operation that needs one of `scopes`, as Auth0 checks them. */
  const operation: Operation = (scopes, handler) => async (req, res, next) => {
    try {
      const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!token) throw new ManagementError(401, 'Missing authentication', 'missing_authentication');
      const claims = await verifyTenantJwt(token, keys, { issuer, audience, now: clock.now() });
      if (!claims) throw new ManagementError(401, 'Invalid token', 'invalid_token');
      // Auth0 issues `scope` as one space-separated string; anything else (a minted token's) grants nothing.
      const granted = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
      if (!scopes.some((s) => granted.includes(s))) throw new ManagementError(403, `Insufficient scope, expected any of: ${scopes.join(',')}`, 'insufficient_scope');
      await handler(req, res);
    } catch (error) {
      next(error);
    }
  };

  directoryRoutes(router, operation, directory);
  router.get('/keys/signing', operation(['read:signing_keys'], (_req, res) => res.json(keys.list())));
  router.get('/keys/signing/:kid', operation(['read:signing_keys'], (req, res) => res.json(keys.describe(String(req.params.kid)))));
  router.post('/keys/signing/rotate', operation(['create:signing_keys'], (_req, res) => {
    const signing = keys.rotate();
    res.status(201).json({ cert: signing.certificatePem, kid: signing.kid });
  }));
  router.put('/keys/signing/:kid/revoke', operation(['update:signing_keys'], (req, res) => {
    const revoked = keys.revoke(String(req.params.kid));
    res.json({ cert: revoked.cert, kid: revoked.kid });
  }));

  router.use((req: Request, _res: Response, next: NextFunction) => next(new ManagementError(404, `Not Found: ${req.method} /api/v2${req.path} is not in the sandbox's Management API subset`, 'not_found')));
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const known = error instanceof ManagementError ? error : (bodyError(error) ?? pathError(error, req));
    if (known) return void res.status(known.statusCode).json(known.body);
    log.error(`${req.method} /api/v2${req.path} failed: ${(error as Error).stack ?? String(error)}`);
    res.status(500).json(new ManagementError(500, 'mock-idp failed; its log has the details.', 'internal_error').body);
  });
  return router;
}

/** A path parameter that is not valid %-encoding (express cannot decode it). Auth0's words for it are not documented. */
function pathError(error: unknown, req: Request): ManagementError | undefined {
  if (!(error instanceof URIError)) return undefined;
  return new ManagementError(400, `The path /api/v2${req.path} is not valid URL encoding.`, 'invalid_uri');
}

/** A body that cannot be read (see request-body.ts), in the Management API's shape. */
function bodyError(error: unknown): ManagementError | undefined {
  if (!(error instanceof BodyError)) return undefined;
  return new ManagementError(error.status, error.message, error.status === 413 ? 'payload_too_large' : 'invalid_body');
}
