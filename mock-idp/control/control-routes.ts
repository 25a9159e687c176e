/** /__control/…: the sandbox's own controls on the IdP (not Auth0's API). */
import express, { type Router } from 'express';

import { Auth0Error } from '../errors.ts';
import type { ProviderDeps } from '../provider.ts';
import { sendAuth0Error } from '../request-shim.ts';
import { mintToken, type MintRequest } from './mint-token.ts';

export function controlRoutes(deps: ProviderDeps): Router {
  const router = express.Router();
  router.post('/__control/tokens', express.json({ limit: '100kb' }), async (req, res, next) => {
    try {
      res.json(await mintToken(deps, (req.body ?? {}) as MintRequest));
    } catch (error) {
      if (error instanceof Auth0Error) sendAuth0Error(res, error);
      else next(error);
    }
  });
  return router;
}
