/**
 * Where the scenarios act (catalog.ts says which acts where): in front of the JWKS and discovery documents,
 * in front of /oauth/token, and on the access tokens /oauth/token answers with.
 */
import type { NextFunction, Request, Response } from 'express';

import type { Clock } from '../../common/clock.ts';
import { AUTH0_ROUTES } from '../auth0.ts';
import type { SigningKeys } from '../keys.ts';
import type { ActiveScenario } from './active-scenario.ts';
import { SCENARIOS, type ScenarioName } from './catalog.ts';
import { spoilToken, type Spoil } from './mutate-token.ts';

/** In front of every /.well-known document: the JWKS meets the jwks scenarios, the others discovery's. */
export function wellKnownFaults(active: ActiveScenario) {
  return function wellKnownFault(req: Request, res: Response, next: NextFunction): void {
    const name = active.current;
    if (!name) return next();
    const scenario = SCENARIOS[name];
    const at = `${req.baseUrl}${req.path}` === AUTH0_ROUTES.jwks ? 'jwks' : 'discovery';
    if (scenario.at === at) scenario.fault(res, next, active);
    else next();
  };
}

export function tokenEndpointFaults(active: ActiveScenario, keys: SigningKeys, clock: Clock) {
  return function tokenEndpointFault(_req: Request, res: Response, next: NextFunction): void {
    const name = active.current;
    if (!name) return next();
    const scenario = SCENARIOS[name];
    if (scenario.at === 'token-endpoint') return scenario.fault(res, next, active);
    if (scenario.at === 'access-token') spoilAccessTokens(res, scenario.spoil, keys, clock);
    next();
  };
}

/** `token` as the scenario in force spoils it (a token-* scenario), else as it is. */
export function spoiledBy(name: ScenarioName | undefined, token: string, keys: SigningKeys, clock: Clock): Promise<string> | string {
  const scenario = name && SCENARIOS[name];
  return scenario && scenario.at === 'access-token' ? spoilToken(token, scenario.spoil, keys, clock.now()) : token;
}

/** Rewrites the access_token of the JSON answer oidc-provider is about to send. */
function spoilAccessTokens(res: Response, spoil: Spoil, keys: SigningKeys, clock: Clock): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    let body: { access_token?: string } | undefined;
    try {
      body = chunk && res.statusCode === 200 ? JSON.parse(String(chunk)) : undefined;
    } catch {
      body = undefined;
    }
    if (!body?.access_token) return end(chunk, ...rest);
    void spoilToken(body.access_token, spoil, keys, clock.now()).then((token) => {
      const text = JSON.stringify({ ...body, access_token: token });
      if (!res.headersSent) res.setHeader('content-length', Buffer.byteLength(text));
      end(text);
    });
    return res;
  }) as Response['end'];
}
