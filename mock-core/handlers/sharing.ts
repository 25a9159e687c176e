/**
 * Sharing: `POST /v1/ops/resource/share/{create|list|discard|revoke|copy}` and the invitations at
 * `/v1/invitations[/{id}]`, as Core's ShareController and InvitationController (docs/dial-core.md#sharing).
 * Alice shares a conversation: a link; Bob accepts it: he may read it (and write, when she said so).
 */
import { DialError } from '../errors.ts';
import type { CoreExchange } from '../exchange.ts';
import { readJsonObject, sendJson, sendText } from '../http.ts';
import { isObject } from '../json-merge.ts';
import type { Permission } from '../storage/resource-access.ts';
import { parseResourceUrl, PUBLIC_LOCATION, RESOURCE_TYPE_NAMES, type Resource } from '../storage/resource-url.ts';
import { initiatorLocation } from '../storage/locations.ts';
import { nodeOf, type MetadataNode } from '../storage/metadata.ts';
import type { SharedResource } from '../storage/shares.ts';
import { authorOf } from './resources.ts';

/** The Share API is the user's own: an application calling back with a per-request key may not use it. */
function refusePerRequestKeys({ caller }: CoreExchange): void {
  if (caller.perRequest) throw new DialError(403, 'The Share API is not allowed for per-request keys');
}

/** POST /v1/ops/resource/share/create: an invitation link for resources of the caller's bucket. */
export async function createShare(exchange: CoreExchange): Promise<void> {
  refusePerRequestKeys(exchange);
  const body = await readJsonObject(exchange.req, "Can't initiate share request. Incorrect body");
  const { caller, core, res } = exchange;
  const { storage } = core;
  if (!Array.isArray(body.resources)) throw new DialError(400, "Can't initiate share request. Incorrect body");
  if (body.resources.length === 0) throw new DialError(400, 'No resources provided');
  const ownBucket = storage.bucketOf(caller);
  const seen = new Set<string>();
  const shared: SharedResource[] = body.resources.map((link: unknown) => {
    const resource = sharedResourceOf(link, storage.cipher);
    if (resource.bucket !== ownBucket) throw new DialError(400, `Resource ${resource.url} does not belong to the user`);
    if (seen.has(resource.url)) throw new DialError(400, `Duplicated resource: ${resource.url}`);
    seen.add(resource.url);
    return { url: resource.url, permissions: permissionsIn(link) ?? ['READ'] };
  });
  const invitation = storage.shares.invite(initiatorLocation(caller), shared, storage.now(), storage.settings.invitationTtlMs, authorOf(exchange) ?? null);
  sendJson(res, 200, { invitationLink: `/v1/invitations/${invitation.id}` });
}

/** POST /v1/ops/resource/share/list: what others shared with me (`with: me`), or what I shared (`others`). */
export async function listShared(exchange: CoreExchange): Promise<void> {
  refusePerRequestKeys(exchange);
  const body = await readJsonObject(exchange.req, "Can't list shared resources. Incorrect body");
  const { caller, core, res } = exchange;
  const { storage } = core;
  if (!Array.isArray(body.resourceTypes)) throw new DialError(400, "Can't list shared resources. Incorrect body");
  const types = new Set(body.resourceTypes.map((t) => String(t).toUpperCase()));
  // "others": what I shared; anything else (Chat sends "me"): what others shared with me.
  const links = body.with === 'others' ? storage.shares.sharedByBucket(storage.bucketOf(caller)) : storage.shares.sharedWithUser(initiatorLocation(caller));
  const resources: MetadataNode[] = [];
  for (const link of links) {
    const resource = parseResourceUrl(link.url, storage.cipher);
    if (!types.has(RESOURCE_TYPE_NAMES[resource.type])) continue;
    resources.push(linkMetadata(resource, link.permissions));
  }
  sendJson(res, 200, { resources });
}

/** POST /v1/ops/resource/share/discard: the recipient lets shared resources go. */
export async function discardShared(exchange: CoreExchange): Promise<void> {
  refusePerRequestKeys(exchange);
  const body = await readJsonObject(exchange.req, "Can't DISCARD shared resources. Incorrect body");
  const { caller, core, res } = exchange;
  const urls = linksIn(body).map((link) => sharedResourceOf(link, core.storage.cipher).url);
  core.storage.shares.discard(initiatorLocation(caller), urls);
  sendText(res, 200);
}

/** POST /v1/ops/resource/share/revoke: the owner takes permissions back from everyone. */
export async function revokeShared(exchange: CoreExchange): Promise<void> {
  refusePerRequestKeys(exchange);
  const body = await readJsonObject(exchange.req, "Can't REVOKE shared resources. Incorrect body");
  const { caller, core, res } = exchange;
  const { storage } = core;
  const links = linksIn(body);
  const ownBucket = storage.bucketOf(caller);
  const revoked = new Map<string, ReadonlySet<Permission>>();
  for (const link of links) {
    const resource = sharedResourceOf(link, storage.cipher);
    if (resource.bucket !== ownBucket) throw new DialError(400, 'You are only allowed to revoke access from own resources');
    revoked.set(resource.url, new Set(permissionsIn(link) ?? ['READ', 'WRITE']));
  }
  storage.shares.revoke(revoked);
  sendText(res, 200);
}

/** POST /v1/ops/resource/share/copy: the source's recipients get the same on the destination. */
export async function copySharedAccess(exchange: CoreExchange): Promise<void> {
  refusePerRequestKeys(exchange);
  const body = await readJsonObject(exchange.req, "Can't initiate copy shared access request. Incorrect body provided");
  const { caller, core, res } = exchange;
  const { storage } = core;
  if (!body.sourceUrl) throw new DialError(400, 'sourceUrl must be provided');
  if (!body.destinationUrl) throw new DialError(400, 'destinationUrl must be provided');
  const source = parseResourceUrl(String(body.sourceUrl), storage.cipher);
  const destination = parseResourceUrl(String(body.destinationUrl), storage.cipher);
  const ownBucket = storage.bucketOf(caller);
  if (source.bucket !== ownBucket) throw new DialError(400, 'sourceUrl does not belong to the user');
  if (destination.bucket !== ownBucket) throw new DialError(400, 'destinationUrl does not belong to the user');
  if (source.url === destination.url) throw new DialError(400, 'source and destination cannot be the same');
  if (!exists(exchange, source)) throw new DialError(400, `source resource ${source.url} does not exists`);
  // Core's text, its typo included.
  if (!exists(exchange, destination)) throw new DialError(400, `destination resource ${destination.url} dos not exists`);
  storage.shares.copy(source.url, destination.url);
  sendText(res, 200);
}

/** GET /v1/invitations: the invitations the caller made. */
export function listInvitations({ caller, core, res }: CoreExchange): void {
  sendJson(res, 200, { invitations: core.storage.shares.invitationsOf(initiatorLocation(caller), core.storage.now()) });
}

/** GET /v1/invitations/{id}: anyone may read one; `?accept=true` takes its resources. */
export function getInvitation(exchange: CoreExchange): void {
  const { caller, core, res, url, params } = exchange;
  const { storage } = core;
  const invitation = storage.shares.invitation(params.id!, storage.now());
  if (!invitation) throw new DialError(404, `No invitation found for ID ${params.id}`);
  const { owner, ...shown } = invitation;
  if (url.searchParams.get('accept')?.toLowerCase() !== 'true') return sendJson(res, 200, shown);
  const me = initiatorLocation(caller);
  // Core's text, as it is written.
  if (owner === me) throw new DialError(400, `Resource ${invitation.resources[0]?.url} already belong to you`);
  storage.shares.accept(me, invitation);
  sendText(res, 200);
}

export function deleteInvitation(exchange: CoreExchange): void {
  const { caller, core, res, params } = exchange;
  const { storage } = core;
  const invitation = storage.shares.invitation(params.id!, storage.now());
  // Core's 404 here has no space before the id.
  if (!invitation && storage.cipher.decrypt(params.id!) === null) throw new DialError(404, `No invitation found for ID${params.id}`);
  if (invitation && invitation.owner !== initiatorLocation(caller)) throw new DialError(403, 'You are not invitation owner');
  if (invitation) storage.shares.deleteInvitation(invitation.id);
  sendText(res, 200);
}

/** A share list's node: built from the URL alone (no dates), with the permissions granted. */
function linkMetadata(resource: Resource, permissions: Permission[]): MetadataNode {
  return { ...nodeOf(resource), permissions: [...permissions], ...(resource.isFolder && { items: null }) };
}

function exists({ core }: CoreExchange, resource: Resource): boolean {
  return resource.isFolder ? core.storage.blobs.hasAnyUnder(resource.key) : core.storage.blobs.meta(resource.key) !== undefined;
}

function linksIn(body: Record<string, unknown>): unknown[] {
  if (!Array.isArray(body.resources) || body.resources.length === 0) throw new DialError(400, 'No resources provided');
  return body.resources;
}

/** A link's resource (a leading `metadata/` dropped), in a private bucket; else Core's 400. */
function sharedResourceOf(link: unknown, cipher: Parameters<typeof parseResourceUrl>[1]): Resource {
  const written = isObject(link) ? String(link.url) : String(link);
  try {
    const resource = parseResourceUrl(written.replace(/^metadata\//, ''), cipher);
    if (resource.location === PUBLIC_LOCATION) throw new Error('public');
    return resource;
  } catch {
    throw new DialError(400, `Incorrect resource link provided ${written}`);
  }
}

function permissionsIn(link: unknown): Permission[] | undefined {
  if (!isObject(link) || !Array.isArray(link.permissions) || link.permissions.length === 0) return undefined;
  const permissions = link.permissions.map((p) => String(p).toUpperCase());
  if (permissions.some((p) => p !== 'READ' && p !== 'WRITE')) throw new DialError(400, "Can't initiate share request. Incorrect body");
  return permissions as Permission[];
}
