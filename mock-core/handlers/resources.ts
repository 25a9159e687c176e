/**
 * The storage API's resources: GET, PUT and DELETE of `/v1/{conversations|prompts|applications}/{bucket}/…`,
 * DELETE of `/v1/files/…`, and the listings at `/v1/metadata/…`, as Core's ResourceController
 * (docs/dial-core.md#resource-crud, docs/dial-core.md#resource-etags, docs/dial-core.md#metadata-listing).
 */
import { DialError } from '../errors.ts';
import type { CoreExchange } from '../exchange.ts';
import { sendJson, sendText } from '../http.ts';
import type { BlobMeta } from '../storage/blob-store.ts';
import { checkPreconditions, etagConditions } from '../storage/etag-conditions.ts';
import { folderMetadata, itemMetadata, type MetadataNode } from '../storage/metadata.ts';
import { permissionsOn } from '../storage/resource-access.ts';
import { describe, parseResourceUrl, refuseTrailingDots, type Resource } from '../storage/resource-url.ts';
import { readLimitedBody } from '../storage/resource-body.ts';
import { validateResourceBody } from '../storage/resource-schema.ts';

/** The resource a storage request names, once the caller is known to hold `permission` on it. */
export function resourceOf(exchange: CoreExchange, prefix: string, permission: 'READ' | 'WRITE'): Resource {
  const { path, caller, core } = exchange;
  // Core hands the controller what follows /v1/ (or /v1/metadata/), as sent.
  const url = path.slice(prefix.length);
  const resource = parseResourceUrl(url, core.storage.cipher);
  if (!permissionsOn(resource, caller, core.storage.access).has(permission)) throw new DialError(403, `You don't have an access to: ${url}`);
  return resource;
}

export async function getResource(exchange: CoreExchange): Promise<void> {
  const resource = resourceOf(exchange, '/v1/', 'READ');
  if (resource.isFolder) throw new DialError(400, `Folder not allowed: ${resource.url}`);
  const blob = await exchange.core.storage.blobs.read(resource.key);
  if (!blob) throw notFound(resource);
  checkPreconditions(etagConditions(exchange.req), blob.meta);
  // Core sends the stored text as a string: no Content-Type (docs/dial-core.md#resource-crud).
  sendText(exchange.res, 200, blob.body.toString('utf8'), etagHeaders(blob.meta));
}

export async function putResource(exchange: CoreExchange): Promise<void> {
  const resource = resourceOf(exchange, '/v1/', 'WRITE');
  if (resource.isFolder) throw new DialError(400, `Folder not allowed: ${resource.url}`);
  refuseTrailingDots(resource);
  const { storage } = exchange.core;
  const body = await readLimitedBody(exchange.req, storage.settings.maxSize);
  const conditions = etagConditions(exchange.req);
  validateResourceBody(resource, body.toString('utf8'));
  const meta = await storage.blobs.put(resource.key, body, { contentType: 'application/json', author: authorOf(exchange) }, (current) => checkPreconditions(conditions, current));
  sendJson(exchange.res, 200, itemMetadata(resource, meta, { etag: true }), etagHeaders(meta));
}

/** DELETE of any resource, files included (Core's ResourceController serves both). */
export async function deleteResource(exchange: CoreExchange): Promise<void> {
  const resource = resourceOf(exchange, '/v1/', 'WRITE');
  if (resource.isFolder) throw new DialError(400, `Folder not allowed: ${resource.url}`);
  const conditions = etagConditions(exchange.req);
  const deleted = await exchange.core.storage.blobs.delete(resource.key, (current) => checkPreconditions(conditions, current));
  if (!deleted) throw notFound(resource);
  exchange.core.storage.shares.forget([resource.url]);
  sendText(exchange.res, 200);
}

/** GET /v1/metadata/{type}/{bucket}/{path}: a folder's page of nodes, or one item's metadata. */
export function getMetadata(exchange: CoreExchange): void {
  const { url, res, core, caller } = exchange;
  const { storage } = core;
  const resource = resourceOf(exchange, '/v1/metadata/', 'READ');
  // FileMetadataController answers a missing file or folder 404 without a text.
  const missing = () => (resource.type === 'files' ? new DialError(404) : notFound(resource));
  const query = listingQuery(url.searchParams, resource.type === 'files');
  const contentType = exchange.req.headers.accept?.includes(METADATA_MIME) ? METADATA_MIME : 'application/json';
  const withPermissions = (node: MetadataNode, of: Resource) => (query.permissions ? { ...node, permissions: [...permissionsOn(of, caller, storage.access)] } : node);

  if (!resource.isFolder) {
    const meta = storage.blobs.meta(resource.key);
    if (!meta) throw missing();
    return sendJson(res, 200, withPermissions(itemMetadata(resource, meta, { etag: true }), resource), { 'content-type': contentType });
  }
  const { keys, more } = storage.blobs.list(resource.key, { recursive: query.recursive, limit: query.limit, after: query.after });
  // An empty folder does not exist (folders are the keys' prefixes); the bucket's root always does.
  if (keys.length === 0 && !more && resource.segments.length > 0) throw missing();
  const pathStart = resource.location.length + resource.type.length + 1;
  const items = keys.map((key) => {
    const isFolder = key.endsWith('/');
    const child = describe(resource.type, resource.bucket, resource.location, key.slice(pathStart, isFolder ? -1 : undefined).split('/'), isFolder);
    return withPermissions(isFolder ? folderMetadata(child, null) : itemMetadata(child, storage.blobs.meta(key)!, { etag: false }), child);
  });
  // The page's last key, opaque to the caller, is where the next page starts.
  const nextToken = more && keys.length > 0 ? Buffer.from(keys.at(-1)!).toString('base64url') : undefined;
  sendJson(res, 200, withPermissions(folderMetadata(resource, items, nextToken), resource), { 'content-type': contentType });
}

const METADATA_MIME = 'application/vnd.dial.metadata+json';

interface ListingQuery {
  limit: number;
  recursive: boolean;
  after?: string;
  permissions: boolean;
}

/** `limit`, `recursive`, `token`, `permissions`, with Core's 400 for values it cannot read. */
function listingQuery(params: URLSearchParams, files: boolean): ListingQuery {
  const limitText = params.get('limit') ?? '100';
  const recursiveText = params.get('recursive') ?? 'false';
  const limit = /^[+-]?\d{1,10}$/.test(limitText) ? Number(limitText) : Number.NaN;
  if (files) {
    // FileMetadataController words its check differently (and lets any text through as not recursive).
    if (!Number.isInteger(limit) || limit < 0 || limit > 1000) throw new DialError(400, 'Limit is out of allowed range: [0, 1000]');
  } else if (!Number.isInteger(limit) || limit < 0 || limit > 1000) {
    throw new DialError(400, 'Bad query parameters. Limit must be in [0, 1000] range. Recursive must be true/false');
  }
  const token = params.get('token');
  return {
    limit,
    // Java's Boolean.parseBoolean: "true" in any case, anything else false.
    recursive: recursiveText.toLowerCase() === 'true',
    ...(token && { after: Buffer.from(token, 'base64url').toString('utf8') }),
    permissions: params.get('permissions')?.toLowerCase() === 'true',
  };
}

/** Core's ETag header, exposed to browsers. */
export function etagHeaders(meta: BlobMeta): Record<string, string> {
  return { etag: meta.etag, 'access-control-expose-headers': 'etag' };
}

export function authorOf({ caller }: CoreExchange): string | undefined {
  return caller.kind === 'user' && !caller.perRequest ? caller.displayName : undefined;
}

function notFound(resource: Resource): DialError {
  return new DialError(404, `Not found: ${resource.url}`);
}
