/**
 * The console's routes, in the order a request meets them: the table of contents of the console. Before the
 * table, every request's Host is checked (421) and a browser's change must come from the console's own page
 * (403); past the page, the token form and the page's files, every row wants a session when a control token
 * is set (401). A path no row has is a 404, a method its rows lack a 405; errors go to answerError, last.
 */
import { matchSegments, segmentsOf, type SegmentMatch } from '../common/segment-routes.ts';
import type { Handler } from './exchange.ts';
import { directory, inspect, matrix, recentTokens, storage } from './handlers/access.ts';
import {
  assignRoles, clearModelFault, clearScenario, controls, createUser, deleteUser, removeRoles, resetClock, revokeKey, rotateKey, setClock, setModelFault, setScenario,
} from './handlers/changes.ts';
import { events, tryItRoute } from './handlers/live.ts';
import { asset, closeSession, LIT_HTML_PREFIX, openSession, page, vendorLitHtml } from './handlers/page.ts';

export interface Route {
  method: string;
  /** Segments; `:name` captures one, a last `*name` the rest. */
  path: string[];
  handler: Handler;
  /** Served without a session: the page (which shows the token form itself), the form's POST, the page's files. */
  open?: true;
}

const route = (method: string, path: string, handler: Handler, open?: true): Route => ({ method, path: segmentsOf(path), handler, open });

export const ROUTES: readonly Route[] = [
  route('GET', '/', page, true),
  route('POST', '/session', openSession, true),
  route('DELETE', '/session', closeSession, true),
  route('GET', '/assets/*path', asset, true),
  route('GET', `${LIT_HTML_PREFIX}/*path`, vendorLitHtml, true),
  // Access: who may call what, and why.
  route('GET', '/api/matrix', matrix),
  route('GET', '/api/directory', directory),
  route('GET', '/api/tokens', recentTokens),
  route('POST', '/api/tokens/inspect', inspect),
  route('GET', '/api/storage', storage),
  // Changes, through the services' own APIs.
  route('POST', '/api/users', createUser),
  route('DELETE', '/api/users/:id', deleteUser),
  route('POST', '/api/users/:id/roles', assignRoles),
  route('DELETE', '/api/users/:id/roles', removeRoles),
  route('POST', '/api/keys/rotate', rotateKey),
  route('PUT', '/api/keys/:kid/revoke', revokeKey),
  route('GET', '/api/controls', controls),
  route('PUT', '/api/scenario', setScenario),
  route('DELETE', '/api/scenario', clearScenario),
  route('PUT', '/api/clock', setClock),
  route('DELETE', '/api/clock', resetClock),
  route('PUT', '/api/models/:model/fault', setModelFault),
  route('DELETE', '/api/models/:model/fault', clearModelFault),
  // Live: the timeline, and a prompt through mock-core.
  route('GET', '/api/events', events),
  route('POST', '/api/try', tryItRoute),
];

/** The route for a method and path; or the methods the path allows; or nothing (a malformed escape names no route). */
export function matchRoute(method: string, pathname: string): SegmentMatch<Route> {
  try {
    return matchSegments(ROUTES, method, pathname);
  } catch {
    return undefined;
  }
}
