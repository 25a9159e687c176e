/** /__control/…: the sandbox's own controls on the IdP (not Auth0's API); the clock's are in clock-handlers.ts. */
import type { NextFunction, Request, Response } from 'express';

import { CONTROL_CHALLENGE, CONTROL_TOKEN_REQUIRED, controlAllowed } from '../../common/control-token.ts';
import { Auth0Error } from '../errors.ts';
import type { ProviderDeps } from '../provider-deps.ts';
import type { ActiveScenario } from '../scenarios/active-scenario.ts';
import { spoiledBy } from '../scenarios/scenario-middleware.ts';
import { mintToken } from './mint-token.ts';
import type { IdpRequestLog } from './token-log.ts';

/** In front of every /__control endpoint: with a control token set, a request without it gets a 401. */
export function requireControlToken(token: string | undefined) {
  return function requireControlToken(req: Request, res: Response, next: NextFunction): void {
    if (controlAllowed(req.headers, token)) return next();
    res.set(CONTROL_CHALLENGE);
    throw new Auth0Error(401, 'unauthorized', CONTROL_TOKEN_REQUIRED);
  };
}

/** POST /__control/tokens (mint-token.ts). */
export function mintTokens(deps: ProviderDeps, scenario: ActiveScenario) {
  return async function mintTokens(req: Request, res: Response): Promise<void> {
    const minted = await mintToken(deps, req.body ?? {});
    // A token-* scenario in force spoils minted tokens too.
    res.json({ ...minted, access_token: await spoiledBy(scenario.current, minted.access_token, deps.keys, deps.clock) });
  };
}

/** POST /__control/reset: back to the tenant as defined, users and roles from tenant.yaml, no scenario in force. */
export function resetTenant(deps: ProviderDeps, scenario: ActiveScenario) {
  return function resetTenant(_req: Request, res: Response): void {
    deps.directory.reset();
    scenario.clear();
    res.json({ users: deps.directory.users.length, roles: deps.directory.roles.length });
  };
}

/** GET /__control/log: the recent /oauth/token answers. */
export function readLog(log: IdpRequestLog) {
  return function readLog(_req: Request, res: Response): void {
    res.json(log.entries());
  };
}

export function clearLog(log: IdpRequestLog) {
  return function clearLog(_req: Request, res: Response): void {
    log.clear();
    res.json([]);
  };
}
