/**
 * The Management API v2 subset at /api/v2 (docs/auth0.md#management-api): a Bearer token from
 * client_credentials for the Management API audience, its `scope` checked per operation, and errors as
 * `{statusCode, error, message, errorCode}` (ManagementError). The users and roles are in
 * directory-handlers.ts; the signing keys are here.
 */
import type { NextFunction, Request, Response } from 'express';

import type { Clock } from '../../common/clock.ts';
import type { Accounts } from '../accounts.ts';
import type { Directory } from '../directory/directory.ts';
import { ManagementError } from '../errors.ts';
import type { SigningKeys } from '../keys.ts';
import { bearerToken, verifyTenantJwt } from '../verify-access-token.ts';
import { managementAudience, type ManagementScope } from './management-api.ts';

export interface ManagementDeps {
  issuer: string;
  /** For the profiles' default pictures. */
  accounts: Accounts;
  keys: SigningKeys;
  directory: Directory;
  clock: Clock;
}

/** In front of an operation: the caller's token, for the Management API, with any of `scopes`, as Auth0 checks them. */
export function requireScope({ issuer, keys, clock }: ManagementDeps, ...scopes: ManagementScope[]) {
  const audience = managementAudience(issuer);
  const insufficient = `Insufficient scope, expected any of: ${scopes.join(',')}`;
  return async function requireScope(req: Request, _res: Response, next: NextFunction): Promise<void> {
    const token = bearerToken(req.headers);
    if (!token) throw new ManagementError(401, 'Missing authentication', 'missing_authentication');
    const claims = await verifyTenantJwt(token, keys, { issuer, audience, now: clock.now() });
    if (!claims) throw new ManagementError(401, 'Invalid token', 'invalid_token');
    // Auth0 issues `scope` as one space-separated string; anything else (a minted token's) grants nothing.
    const granted = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.some((s) => granted.includes(s))) throw new ManagementError(403, insufficient, 'insufficient_scope');
    next();
  };
}

/** Anything else under /api/v2. */
export function notInSubset(req: Request): never {
  throw new ManagementError(404, `Not Found: ${req.method} ${req.path} is not in the sandbox's Management API subset`, 'not_found');
}

export function listSigningKeys({ keys }: ManagementDeps) {
  return function listSigningKeys(_req: Request, res: Response): void {
    res.json(keys.list());
  };
}

export function getSigningKey({ keys }: ManagementDeps) {
  return function getSigningKey(req: Request, res: Response): void {
    res.json(keys.describe(String(req.params.kid)));
  };
}

export function rotateSigningKey({ keys, clock }: ManagementDeps) {
  return function rotateSigningKey(_req: Request, res: Response): void {
    const signing = keys.rotate(new Date(clock.now()));
    res.status(201).json({ cert: signing.certificatePem, kid: signing.kid });
  };
}

export function revokeSigningKey({ keys, clock }: ManagementDeps) {
  return function revokeSigningKey(req: Request, res: Response): void {
    const revoked = keys.revoke(String(req.params.kid), new Date(clock.now()));
    res.json({ cert: revoked.cert, kid: revoked.kid });
  };
}
