/** mock-idp's routes, in the order a request meets them: the table of contents of the IdP. */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type Provider from 'oidc-provider';

import type { Logger } from '../common/log.ts';
import { controlRoutes, requireControlToken } from './control/control-routes.ts';
import { managementRoutes } from './management/management-routes.ts';
import { tokenLog, type IdpRequestLog } from './control/token-log.ts';
import type { ActiveScenario } from './scenarios/active-scenario.ts';
import { tokenEndpointFaults, wellKnownFaults } from './scenarios/scenario-middleware.ts';
import { scenarioRoutes } from './scenarios/scenario-routes.ts';
import { v2LogoutHandler } from './handlers/v2-logout.ts';
import { userinfoHandler } from './handlers/userinfo.ts';
import { discoveryHandler, jwksHandler } from './handlers/well-known.ts';
import { loginRoutes } from './login/login-routes.ts';
import { authorizeShim, bodyErrorHandler, tokenRequestShim } from './request-shim.ts';
import type { ProviderDeps } from './provider.ts';

export interface RouteDeps {
  provider: Provider;
  deps: ProviderDeps;
  scenario: ActiveScenario;
  requestLog: IdpRequestLog;
  log: Logger;
  /** With one, every /__control endpoint wants it (Authorization: Bearer). */
  controlToken?: string;
}

/** Paths oidc-provider answers itself (the resume and logout-confirm steps live below them). */
const PROVIDER_PATHS = /^\/(authorize|oauth\/token|oauth\/revoke|oidc\/logout)(\/[^?]*)?(\?.*)?$/;

export function createRoutes({ provider, deps, scenario, requestLog, log, controlToken }: RouteDeps): Express {
  const { tenant, issuer, keys, accounts } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(collapseLeadingSlashes);

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.use(['/.well-known', '/userinfo'], allowAnyOrigin);
  app.use('/.well-known', wellKnownFaults(scenario));
  app.get('/.well-known/openid-configuration', discoveryHandler(issuer, tenant));
  app.get('/.well-known/jwks.json', jwksHandler(keys));
  app.get('/authorize', authorizeShim);
  const oidc = provider.callback();
  const toProvider = (req: Request, res: Response) => void oidc(res.locals.oidcRequest ?? req, res);
  // A token request's whole way on one row: logged first, so that the log's res.end wrapper sees the answer
  // as sent (a fault's or a shim's included), and no other route is tried on the way.
  app.post('/oauth/token', tokenLog(requestLog), tokenEndpointFaults(scenario, keys), ...tokenRequestShim(tenant), bodyErrorHandler, toProvider);
  app.post('/oauth/revoke', ...tokenRequestShim(tenant), bodyErrorHandler, toProvider);
  app.all('/userinfo', userinfoHandler(provider, deps));
  app.get('/v2/logout', v2LogoutHandler(provider, tenant));
  app.use(loginRoutes(provider, tenant, accounts));
  app.use('/api/v2', managementRoutes(deps, log));
  app.use('/__control', requireControlToken(controlToken));
  app.use(controlRoutes(deps, scenario));
  app.use(scenarioRoutes(scenario));
  app.get('/__control/log', (_req, res) => void res.json(requestLog.entries()));
  app.delete('/__control/log', (_req, res) => {
    requestLog.clear();
    res.json([]);
  });
  app.use(bodyErrorHandler);
  app.all(PROVIDER_PATHS, toProvider);
  app.use(notServed);
  app.use(unexpectedError(log));
  return app;
}

/** The last resort: a 500 in Auth0's shape, the stack in the log only. */
function unexpectedError(log: Logger) {
  return function unexpectedError(error: Error, req: Request, res: Response, _next: NextFunction): void {
    log.error(`${req.method} ${req.path} failed: ${error.stack}`);
    if (!res.headersSent) res.status(500).json({ error: 'server_error', error_description: 'mock-idp failed; its log has the details.' });
  };
}

/** Public documents and a bearer-token endpoint: browsers (SPAs) may read them from any origin. */
function allowAnyOrigin(req: Request, res: Response, next: NextFunction): void {
  res.set('Access-Control-Allow-Origin', '*');
  if (req.method !== 'OPTIONS') return next();
  res.set({ 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': 'Authorization, Content-Type', 'Access-Control-Max-Age': '86400' });
  res.status(204).end();
}

/** next-auth asks `${issuer}/.well-known/…` and so gets a double slash; Auth0 serves it anyway. */
function collapseLeadingSlashes(req: Request, _res: Response, next: NextFunction): void {
  if (req.url.startsWith('//')) req.url = req.url.replace(/^\/+/, '/');
  next();
}

/** Offline by design: anything the sandbox does not serve fails loudly, naming what was asked. */
function notServed(req: Request, res: Response): void {
  res.status(404).json({
    error: 'not_found',
    error_description: `mock-idp does not serve ${req.method} ${req.path}. See the README for the Auth0 endpoints it emulates.`,
  });
}
