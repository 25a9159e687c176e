/** /__control/…: the sandbox's own controls on the IdP (not Auth0's API). */
import express, { type Router } from 'express';

import { Auth0Error } from '../errors.ts';
import type { ProviderDeps } from '../provider.ts';
import { sendAuth0Error } from '../request-shim.ts';
import type { ActiveScenario } from '../scenarios/active-scenario.ts';
import { mutateToken } from '../scenarios/mutate-token.ts';
import { mintToken, type MintRequest } from './mint-token.ts';

export function controlRoutes(deps: ProviderDeps, scenario: ActiveScenario): Router {
  const router = express.Router();
  router.post('/__control/tokens', express.json({ limit: '100kb' }), async (req, res, next) => {
    try {
      const minted = await mintToken(deps, (req.body ?? {}) as MintRequest);
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
  return router;
}
