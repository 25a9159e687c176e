/**
 * What DIAL Chat asks of publications, notifications and ratings, answered as Core answers a user with none
 * of them (docs/dial-core.md#publications): empty lists, in the shapes Core's PublicationController and
 * NotificationController use. Publishing itself is not emulated; the rating is accepted and not forwarded.
 */
import { hasAccess } from '../access.ts';
import { DialError } from '../errors.ts';
import type { CoreExchange } from '../exchange.ts';
import { readBody, readJsonObject, sendJson, sendText } from '../http.ts';
import { isAdmin } from '../storage/resource-access.ts';
import { parseResourceUrl } from '../storage/resource-url.ts';
import { selectDeployment } from './deployment-post.ts';

/** POST /v1/ops/publication/list: the caller's publications, `{url: "publications/<own bucket>/"}`. */
export async function listPublications(exchange: CoreExchange): Promise<void> {
  const { core, caller } = exchange;
  const body = await readJsonObject(exchange.req, 'Failed to parse json: the body is not a JSON object');
  const url = String(body.url ?? '');
  let bucket: string;
  try {
    const resource = parseResourceUrl(url, core.storage.cipher);
    if (!url.startsWith('publications/')) throw new Error('not a publication');
    bucket = resource.bucket;
  } catch {
    throw new DialError(400, `Invalid resource: ${url}`);
  }
  // Another's publications, and those waiting for review (publications/public/), are for admins only.
  if (bucket !== core.storage.bucketOf(caller) && !isAdmin(caller, core.storage.settings.adminRules)) throw new DialError(403, `Forbidden resource: ${url}`);
  if (url.split('/').filter(Boolean).length !== 2) throw new DialError(400, `Bad publication url: ${url}`);
  sendJson(exchange.res, 200, { publications: [] });
}

/** POST /v1/ops/publication/rule/list: the rules of a public folder; there are none. */
export async function listPublicationRules(exchange: CoreExchange): Promise<void> {
  const body = await readJsonObject(exchange.req, 'Failed to parse json: the body is not a JSON object');
  const url = String(body.url ?? '');
  if (!url.startsWith('public/') || !url.endsWith('/')) throw new DialError(400, `Invalid resource: ${url}`);
  sendJson(exchange.res, 200, { rules: {} });
}

/** POST /v1/ops/publication/resource/list: what the caller's approved publications hold (a bare array). */
export async function listPublishedResources(exchange: CoreExchange): Promise<void> {
  await readJsonObject(exchange.req, 'Failed to parse json: the body is not a JSON object');
  sendJson(exchange.res, 200, []);
}

/** POST /v1/ops/notification/list: the body is not read. */
export function listNotifications(exchange: CoreExchange): void {
  sendJson(exchange.res, 200, { notifications: [] });
}

/** POST /v1/ops/notification/delete: `{ids: […]}`; unknown ids are ignored. */
export async function deleteNotifications(exchange: CoreExchange): Promise<void> {
  const body = await readJsonObject(exchange.req, 'Failed to parse json: the body is not a JSON object');
  if (Array.isArray(body.ids) && body.ids.length === 0) throw new DialError(400, 'Notification IDs cannot be empty');
  sendText(exchange.res, 200);
}

/**
 * POST /v1/{deployment}/rate: Core checks the deployment and the caller's access to it, not the body, and
 * answers 200 when the deployment has no rate endpoint (none of the sandbox's has one).
 */
export async function rateResponse(exchange: CoreExchange): Promise<void> {
  const { core, caller, params } = exchange;
  const deployment = selectDeployment(core.config(), params.id!);
  if (!hasAccess(deployment.userRoles, caller.roles)) throw new DialError(403, `Forbidden deployment: ${deployment.name}`);
  await readBody(exchange.req);
  sendText(exchange.res, 200);
}
