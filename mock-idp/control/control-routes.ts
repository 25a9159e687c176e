/** /__control/…: the sandbox's own controls on the IdP (not Auth0's API). */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

import { SandboxClock, secondsAhead, type Clock } from '../../common/clock.ts';
import { CONTROL_CHALLENGE, CONTROL_TOKEN_REQUIRED, controlAllowed } from '../../common/control-token.ts';
import { Auth0Error } from '../errors.ts';
import type { ProviderDeps } from '../provider.ts';
import { readBody } from '../request-body.ts';
import { sendAuth0Error } from '../request-shim.ts';
import type { ActiveScenario } from '../scenarios/active-scenario.ts';
import { mutateToken } from '../scenarios/mutate-token.ts';
import { mintToken } from './mint-token.ts';

export function controlRoutes(deps: ProviderDeps, scenario: ActiveScenario): Router {
  const router = express.Router();
  router.post('/__control/tokens', readBody(), async (req, res, next) => {
    try {
      const minted = await mintToken(deps, req.body ?? {});
      // A token-* scenario in force spoils minted tokens too.
      const active = scenario.current;
      res.json(active ? { ...minted, access_token: await mutateToken(minted.access_token, active, deps.keys) } : minted);
    } catch (error) {
      if (error instanceof Auth0Error) sendAuth0Error(res, error);
      else next(error);
    }
  });
  // Back to the tenant as defined: users and roles from tenant.yaml, no scenario in force.
  router.post('/__control/reset', (_req, res) => {
    deps.directory.reset();
    scenario.clear();
    res.json({ users: deps.directory.users.length, roles: deps.directory.roles.length });
  });
  router.use('/__control/clock', readBody(), clockRoutes(deps.clock));
  return router;
}

/** In front of every /__control endpoint: with a control token set, a request without it gets a 401. */
export function requireControlToken(token: string | undefined) {
  return function requireControlToken(req: Request, res: Response, next: NextFunction): void {
    if (controlAllowed(req.headers, token)) return next();
    res.set(CONTROL_CHALLENGE);
    sendAuth0Error(res, new Auth0Error(401, 'unauthorized', CONTROL_TOKEN_REQUIRED));
  };
}

/** The farthest a JavaScript Date reaches from 1970, either way (ECMA-262 §21.4.1.1: 100,000,000 days). */
const LATEST_DATE_MS = 8.64e15;

/**
 * GET the sandbox clock; PUT `{"freeze": true}`, `{"freeze": false}`, `{"advance_seconds": N}` (together or
 * alone); DELETE to go back to the system clock. A clock handed in by code (a test's ManualClock) is that
 * code's to move: it is shown, not changed.
 */
function clockRoutes(clock: Clock): Router {
  const router = express.Router();
  const controllable = clock instanceof SandboxClock ? clock : undefined;
  const show = () => (controllable ? controllable.describe() : { now: new Date(clock.now()).toISOString(), frozen: null, ahead_seconds: secondsAhead(clock) });
  router.get('/', (_req, res) => void res.json(show()));
  router.use((_req, res, next) => {
    if (controllable) return next();
    sendAuth0Error(res, new Auth0Error(409, 'clock_not_controllable', 'This sandbox was started with a clock of its own (startSandbox({ clock })); move that clock instead.'));
  });
  router.put('/', (req, res) => {
    const { freeze, advance_seconds: advance } = (req.body ?? {}) as { freeze?: unknown; advance_seconds?: unknown };
    if (freeze !== undefined && typeof freeze !== 'boolean') return sendAuth0Error(res, new Auth0Error(400, 'invalid_request', '"freeze" must be true or false.'));
    if (advance !== undefined && (typeof advance !== 'number' || !Number.isFinite(advance))) return sendAuth0Error(res, new Auth0Error(400, 'invalid_request', '"advance_seconds" must be a number of seconds.'));
    if (typeof advance === 'number' && Math.abs(controllable!.now() + advance * 1000) > LATEST_DATE_MS) {
      return sendAuth0Error(res, new Auth0Error(400, 'invalid_request', '"advance_seconds" would move the clock past the dates JavaScript holds (years -271,821 to 275,760).'));
    }
    if (freeze === true) controllable!.freeze();
    if (freeze === false) controllable!.resume();
    if (typeof advance === 'number') controllable!.advance(advance * 1000);
    res.json(show());
  });
  router.delete('/', (_req, res) => {
    controllable!.reset();
    res.json(show());
  });
  return router;
}
