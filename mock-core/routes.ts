/**
 * Everything mock-core answers, in the order a request meets it: the table of contents of the emulated DIAL
 * Core. Core's own order is Proxy.handleRequest (its checks, then /health and /version, all before
 * authentication: docs/dial-core.md#before-authentication), then ControllerSelector.select (the API, after
 * it), then RouteController (the config's `routes`: docs/dial-core.md#routes) for whatever no controller
 * takes; see Proxy.java and ControllerSelector.java at
 * https://github.com/epam/ai-dial-core/tree/8c78cb946bed550a6e7d840d53dc098459acc80a/server/src/main/java/com/epam/aidial/core/server.
 * The sandbox's own /__control/log comes before all of it. What nothing here answers is Core's 502
 * "No route"; an error on any row goes to the one error handler (error-handler.ts), last.
 */
import type { CoreHandler, OpenHandler } from './exchange.ts';
import { configuredRoute } from './handlers/configured-route.ts';
import { controlLog, controlReset } from './handlers/control-log.ts';
import { deploymentPost } from './handlers/deployment-post.ts';
import { deploymentLimits } from './handlers/limits.ts';
import { downloadFile, uploadFile } from './handlers/files.ts';
import { emptyList, getApplication, getModel, listApplications, listModels } from './handlers/listings.ts';
import { deleteNotifications, listNotifications, listPublicationRules, listPublications, listPublishedResources, rateResponse } from './handlers/publications.ts';
import { moveResource, subscribe } from './handlers/resource-operations.ts';
import { deleteResource, getMetadata, getResource, putResource } from './handlers/resources.ts';
import { allowedMethod, bodyWithinLimit, decodablePath, health, onlyHttp11, preflight, version, type ProxyCheck } from './handlers/service.ts';
import { copySharedAccess, createShare, deleteInvitation, discardShared, getInvitation, listInvitations, listShared, revokeShared } from './handlers/sharing.ts';
import { bucket, userInfo } from './handlers/user.ts';

/** 1. The sandbox's window on Core's decisions: any request whose target starts so, itself not logged. */
export const CONTROL_LOG = { prefix: '/__control/log', handler: controlLog } as const;
/** …and POST /__control/reset: the storage API's resources and shares forgotten (`dial-sandbox reset`). */
export const CONTROL_RESET = { prefix: '/__control/reset', handler: controlReset } as const;

/** 2. Proxy.handleRequest's checks, in its order, on every other request (and so logged). */
export const PROXY_CHECKS: readonly ProxyCheck[] = [onlyHttp11, preflight, allowedMethod, bodyWithinLimit, decodablePath];

export type CoreRoute =
  | { method: string; pattern: RegExp; authenticated: false; handler: OpenHandler }
  | { method: string; pattern: RegExp; authenticated: true; handler: CoreHandler };

/** Answered before authentication, as Proxy.handleRequest answers it. */
const open = (method: string, pattern: RegExp, handler: OpenHandler): CoreRoute => ({ method, pattern, authenticated: false, handler });
const route = (method: string, pattern: RegExp, handler: CoreHandler): CoreRoute => ({ method, pattern, authenticated: true, handler });
/** Core's ids run to the end of the path, slashes included: GET /openai/deployments/x/chat/completions asks for "x/chat/completions". */
const ID = '(?<id>.+)';
/** Storage URLs: the bucket alphanumeric, the path anything; the handlers read both from the path as sent. */
const FILES = /^\/v1\/files\/(?<bucket>[a-zA-Z0-9]+)\/(?<path>.*)/;
const RESOURCES = /^\/v1\/(conversations|prompts|applications)\/(?<bucket>[a-zA-Z0-9]+)\/(?<path>.*)/;

/**
 * 3. The paths Core serves: /health and /version (Proxy), then the controllers (ControllerSelector) for the
 * authenticated caller. No two rows match the same request, so their order is the listing's.
 */
export const CORE_ROUTES: readonly CoreRoute[] = [
  open('GET', /^\/health$/, health),
  open('GET', /^\/version$/, version),
  route('GET', /^\/openai\/models$/, listModels),
  route('GET', new RegExp(`^/openai/models/${ID}$`), getModel),
  route('GET', /^\/openai\/deployments$/, listModels),
  route('GET', new RegExp(`^/openai/deployments/${ID}$`), getModel),
  route('GET', /^\/openai\/applications$/, listApplications),
  route('GET', new RegExp(`^/openai/applications/${ID}$`), getApplication),
  route('GET', /^\/openai\/(addons|assistants)$/, emptyList),
  route('POST', /^\/openai\/deployments\/(?<id>.+?)\/(chat\/completions|completions|embeddings)$/, deploymentPost),
  route('GET', /^\/v1\/user\/info$/, userInfo),
  route('GET', new RegExp(`^/v1/deployments/${ID}/limits$`), deploymentLimits),
  // The storage API (docs/dial-core.md#storage-routes), in Core's order.
  route('GET', /^\/v1\/metadata\/(files|conversations|prompts|applications)\/(?<bucket>[a-zA-Z0-9]+)\/(?<path>.*)/, getMetadata),
  route('GET', FILES, downloadFile),
  route('GET', RESOURCES, getResource),
  route('GET', /^\/v1\/bucket$/, bucket),
  route('GET', /^\/v1\/invitations\/(?<id>[a-zA-Z0-9]+)$/, getInvitation),
  route('GET', /^\/v1\/invitations$/, listInvitations),
  route('POST', /^\/v1\/(?<id>.+?)\/rate$/, rateResponse),
  route('POST', /^\/v1\/ops\/resource\/share\/create$/, createShare),
  route('POST', /^\/v1\/ops\/resource\/share\/list$/, listShared),
  route('POST', /^\/v1\/ops\/resource\/share\/discard$/, discardShared),
  route('POST', /^\/v1\/ops\/resource\/share\/revoke$/, revokeShared),
  route('POST', /^\/v1\/ops\/resource\/share\/copy$/, copySharedAccess),
  route('POST', /^\/v1\/ops\/publication\/list$/, listPublications),
  route('POST', /^\/v1\/ops\/publication\/rule\/list$/, listPublicationRules),
  route('POST', /^\/v1\/ops\/resource\/move$/, moveResource),
  route('POST', /^\/v1\/ops\/resource\/subscribe$/, subscribe),
  route('POST', /^\/v1\/ops\/publication\/resource\/list$/, listPublishedResources),
  route('POST', /^\/v1\/ops\/notification\/list$/, listNotifications),
  route('POST', /^\/v1\/ops\/notification\/delete$/, deleteNotifications),
  route('DELETE', FILES, deleteResource),
  route('DELETE', RESOURCES, deleteResource),
  route('DELETE', /^\/v1\/invitations\/(?<id>[a-zA-Z0-9]+)$/, deleteInvitation),
  route('PUT', FILES, uploadFile),
  route('PUT', RESOURCES, putResource),
];

/** 4. RouteController, for the authenticated caller: the config's `routes`; none matching is 502 "No route". */
export const CONFIGURED_ROUTES: CoreHandler = configuredRoute;

/** The rows by method, each with the names of its pattern's groups (read once: a `for…in` over a match's groups is slow). */
const ROUTES_BY_METHOD = new Map<string, { route: CoreRoute; groups: string[] }[]>();
for (const route of CORE_ROUTES) {
  const groups = [...route.pattern.source.matchAll(/\(\?<(\w+)>/g)].map(([, name]) => name!);
  ROUTES_BY_METHOD.set(route.method, [...(ROUTES_BY_METHOD.get(route.method) ?? []), { route, groups }]);
}

export function matchCoreRoute(method: string, pathname: string): { route: CoreRoute; params: Record<string, string> } | undefined {
  for (const { route, groups } of ROUTES_BY_METHOD.get(method) ?? []) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    for (const name of groups) params[name] = decodePart(match.groups![name]!);
    return { route, params };
  }
  return undefined;
}

/** A malformed %-escape stays as written (and so names no deployment) instead of failing the request. */
function decodePart(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
