/**
 * mock-idp's routes, in the order a request meets them: the table of contents of the IdP. Every path it
 * answers is a row: a method, a path, and its chain of middleware ending in the handler, made once per
 * server from the IdP's parts. A `use` row is middleware for everything under its path, and lets the
 * request go on down the table. What no row answers gets the "not served" 404; an error on any row goes to
 * the one error handler, last.
 */
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type Provider from 'oidc-provider';

import type { Logger } from '../common/log.ts';
import { AUTH0_ROUTES, PROVIDER_ROUTES } from './auth0.ts';
import { AVATAR_PATH } from './avatar.ts';
import { clearLog, mintTokens, readLog, requireControlToken, resetTenant } from './control/control-handlers.ts';
import { resetClock, setClock, showClock } from './control/clock-handlers.ts';
import { tokenLog, type IdpRequestLog } from './control/token-log.ts';
import { handleErrors } from './error-handler.ts';
import { notServed } from './errors.ts';
import { avatarHandler } from './handlers/avatar.ts';
import { laxCookiesOverPlainHttp } from './handlers/cookies.ts';
import { allowAnyOrigin } from './handlers/cors.ts';
import { healthz } from './handlers/health.ts';
import { homePage } from './handlers/home.ts';
import { userinfoHandler } from './handlers/userinfo.ts';
import { oidcLogoutHandler } from './handlers/oidc-logout.ts';
import { v2LogoutHandler } from './handlers/v2-logout.ts';
import { discoveryHandler, jwksHandler } from './handlers/well-known.ts';
import { showLogin, submitLogin } from './login/login-handlers.ts';
import {
  assignRoleUsers, assignUserRoles, createRole, createUser, deleteRole, deleteUser, getRole, getUser, listRoleUsers, listRoles,
  listUserRoles, listUsers, removeUserRoles, updateRole, updateUser, usersByEmail,
} from './management/directory-handlers.ts';
import { getSigningKey, listSigningKeys, notInSubset, requireScope, revokeSigningKey, rotateSigningKey } from './management/management-handlers.ts';
import type { ProviderDeps } from './provider-deps.ts';
import { readBody } from './request-body.ts';
import { authorizeShim, tokenRequestShim } from './request-shim.ts';
import type { ActiveScenario } from './scenarios/active-scenario.ts';
import { clearScenario, listScenarios, setScenario, showScenario } from './scenarios/scenario-handlers.ts';
import { tokenEndpointFaults, wellKnownFaults } from './scenarios/scenario-middleware.ts';
import { checkWebMessageOrigin } from './web-message.ts';

export interface RouteDeps {
  provider: Provider;
  deps: ProviderDeps;
  scenario: ActiveScenario;
  requestLog: IdpRequestLog;
  log: Logger;
  /** With one, every /__control endpoint wants it (Authorization: Bearer). */
  controlToken?: string;
}

/** What the rows' chains are made from: the IdP's parts, and the way into oidc-provider. */
export interface RouteContext extends ProviderDeps, Omit<RouteDeps, 'deps'> {
  /** Hands the request (or the one the shim rewrote for it) to oidc-provider. */
  toProvider: RequestHandler;
}

type Method = 'use' | 'all' | 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Route {
  method: Method;
  path: string | readonly string[];
  chain: (idp: RouteContext) => RequestHandler[];
}

const route = (method: Method, path: Route['path'], chain: Route['chain']): Route => ({ method, path, chain });

/** Where the Management API answers, and fails, in its own shape. */
const MANAGEMENT_API = '/api/v2';
const api = (path: string) => `${MANAGEMENT_API}${path}`;

/** oidc-provider's own paths, each with the steps below it. */
const PROVIDER_PATHS = PROVIDER_ROUTES.map((name) => `${AUTH0_ROUTES[name]}{/*step}`);

export const ROUTES: readonly Route[] = [
  // For a person in a browser, not a client: what this tenant is and where to go.
  route('get', '/', (c) => [homePage(c)]),
  route('get', '/healthz', () => [healthz]),

  // The public documents, and a bearer-token endpoint: browsers (SPAs) may read them from any origin.
  route('use', ['/.well-known', AUTH0_ROUTES.userinfo], () => [allowAnyOrigin]),
  route('use', '/.well-known', (c) => [wellKnownFaults(c.scenario)]),
  route('get', '/.well-known/openid-configuration', (c) => [discoveryHandler(c.issuer, c.tenant)]),
  route('get', AUTH0_ROUTES.jwks, (c) => [jwksHandler(c.keys)]),
  // The default profile pictures the profiles name: Auth0's are off the machine, on Gravatar and its CDN.
  route('get', `${AVATAR_PATH}/:hash.svg`, (c) => [avatarHandler(c.accounts)]),

  // Auth0's Authentication API: oidc-provider answers, once the shims have made Auth0's requests its own.
  route('get', AUTH0_ROUTES.authorization, (c) => [checkWebMessageOrigin(c.tenant), authorizeShim, c.toProvider]),
  // A token request's whole way on one row: logged first, so that the log's res.end wrapper sees the answer
  // as sent (a fault's or a shim's included), and no other route is tried on the way.
  route('post', AUTH0_ROUTES.token, (c) => [tokenLog(c.requestLog), tokenEndpointFaults(c.scenario, c.keys, c.clock), ...tokenRequestShim(c.tenant), c.toProvider]),
  route('post', AUTH0_ROUTES.revocation, (c) => [...tokenRequestShim(c.tenant), c.toProvider]),
  route('all', AUTH0_ROUTES.userinfo, (c) => [readBody({ types: ['form'] }), userinfoHandler(c.provider, c)]),
  route('get', '/v2/logout', (c) => [v2LogoutHandler(c.provider, c.tenant)]),
  route('get', AUTH0_ROUTES.end_session, (c) => [oidcLogoutHandler(c.provider, c), c.toProvider]),
  route('post', AUTH0_ROUTES.end_session, (c) => [readBody({ types: ['form'] }), oidcLogoutHandler(c.provider, c), c.toProvider]),
  route('get', '/u/login', (c) => [showLogin(c)]),
  route('post', '/u/login', (c) => [readBody({ types: ['form'] }), submitLogin(c)]),

  // The Management API: a body is read first, as Auth0 reads it; then each operation checks its scopes.
  route('use', MANAGEMENT_API, () => [readBody()]),
  route('get', api('/users'), (c) => [requireScope(c, 'read:users'), listUsers(c)]),
  route('get', api('/users-by-email'), (c) => [requireScope(c, 'read:users'), usersByEmail(c)]),
  route('get', api('/users/:id'), (c) => [requireScope(c, 'read:users'), getUser(c)]),
  route('post', api('/users'), (c) => [requireScope(c, 'create:users'), createUser(c)]),
  route('patch', api('/users/:id'), (c) => [requireScope(c, 'update:users'), updateUser(c)]),
  route('delete', api('/users/:id'), (c) => [requireScope(c, 'delete:users'), deleteUser(c)]),
  route('get', api('/users/:id/roles'), (c) => [requireScope(c, 'read:users', 'read:roles'), listUserRoles(c)]),
  route('post', api('/users/:id/roles'), (c) => [requireScope(c, 'create:role_members'), assignUserRoles(c)]),
  route('delete', api('/users/:id/roles'), (c) => [requireScope(c, 'delete:role_members'), removeUserRoles(c)]),
  route('get', api('/roles'), (c) => [requireScope(c, 'read:roles'), listRoles(c)]),
  route('post', api('/roles'), (c) => [requireScope(c, 'create:roles'), createRole(c)]),
  route('get', api('/roles/:id'), (c) => [requireScope(c, 'read:roles'), getRole(c)]),
  route('patch', api('/roles/:id'), (c) => [requireScope(c, 'update:roles'), updateRole(c)]),
  route('delete', api('/roles/:id'), (c) => [requireScope(c, 'delete:roles'), deleteRole(c)]),
  route('get', api('/roles/:id/users'), (c) => [requireScope(c, 'read:roles', 'read:users'), listRoleUsers(c)]),
  route('post', api('/roles/:id/users'), (c) => [requireScope(c, 'create:role_members'), assignRoleUsers(c)]),
  route('get', api('/keys/signing'), (c) => [requireScope(c, 'read:signing_keys'), listSigningKeys(c)]),
  route('get', api('/keys/signing/:kid'), (c) => [requireScope(c, 'read:signing_keys'), getSigningKey(c)]),
  route('post', api('/keys/signing/rotate'), (c) => [requireScope(c, 'create:signing_keys'), rotateSigningKey(c)]),
  route('put', api('/keys/signing/:kid/revoke'), (c) => [requireScope(c, 'update:signing_keys'), revokeSigningKey(c)]),
  route('all', api('{/*rest}'), () => [notInSubset]),

  // The sandbox's own controls, not Auth0's: the control token (if one is set) first.
  route('use', '/__control', (c) => [requireControlToken(c.controlToken)]),
  route('post', '/__control/tokens', (c) => [readBody(), mintTokens(c, c.scenario)]),
  route('post', '/__control/reset', (c) => [resetTenant(c, c.scenario)]),
  route('get', '/__control/clock', (c) => [showClock(c.clock)]),
  route('put', '/__control/clock', (c) => [readBody(), setClock(c.clock)]),
  route('delete', '/__control/clock', (c) => [resetClock(c.clock)]),
  route('get', '/__control/scenarios', (c) => [listScenarios(c.scenario)]),
  route('get', '/__control/scenario', (c) => [showScenario(c.scenario)]),
  route('put', '/__control/scenario', (c) => [readBody(), setScenario(c.scenario)]),
  route('delete', '/__control/scenario', (c) => [clearScenario(c.scenario)]),
  route('get', '/__control/log', (c) => [readLog(c.requestLog)]),
  route('delete', '/__control/log', (c) => [clearLog(c.requestLog)]),

  // The rest of oidc-provider's paths: the steps of a login and of a logout, and the methods not above.
  route('all', PROVIDER_PATHS, (c) => [c.toProvider]),
];

export function createRoutes({ provider, deps, ...parts }: RouteDeps): Express {
  const oidc = provider.callback();
  const toProvider: RequestHandler = (req, res) => void oidc(res.locals.oidcRequest ?? req, res);
  const idp: RouteContext = { ...deps, ...parts, provider, toProvider };
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(collapseLeadingSlashes);
  app.use(laxCookiesOverPlainHttp);
  for (const { method, path, chain } of ROUTES) (app[method] as (path: Route['path'], ...chain: RequestHandler[]) => void).call(app, path, ...chain(idp));
  app.use(notServedHere);
  app.use(handleErrors(parts.log, MANAGEMENT_API));
  return app;
}

/** next-auth asks `${issuer}/.well-known/…` and so gets a double slash; Auth0 serves it anyway. */
function collapseLeadingSlashes(req: Request, _res: Response, next: NextFunction): void {
  if (req.url.startsWith('//')) req.url = req.url.replace(/^\/+/, '/');
  next();
}

/** Offline by design: what the table does not answer fails loudly, naming what was asked. */
function notServedHere(req: Request, _res: Response, next: NextFunction): void {
  next(notServed(req.method, req.path));
}
