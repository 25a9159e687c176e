/**
 * `POST /v1/ops/resource/move` and `/v1/ops/resource/subscribe`, as Core's ResourceOperationController
 * (docs/dial-core.md#move, docs/dial-core.md#subscribe).
 */
import { DialError } from '../errors.ts';
import type { CoreExchange } from '../exchange.ts';
import { compressor, encodingOf } from '../compression.ts';
import { CORS_HEADERS, readJsonObject, sendText } from '../http.ts';
import { isObject } from '../json-merge.ts';
import { permissionsOn } from '../storage/resource-access.ts';
import { parseResourceUrl, type Resource } from '../storage/resource-url.ts';

export async function moveResource(exchange: CoreExchange): Promise<void> {
  const { caller, core } = exchange;
  const { storage } = core;
  const body = await readJsonObject(exchange.req, "Can't initiate move resource request. Incorrect body provided");
  if (!body.sourceUrl) throw new DialError(400, 'sourceUrl must be provided');
  if (!body.destinationUrl) throw new DialError(400, 'destinationUrl must be provided');
  const source = parseResourceUrl(String(body.sourceUrl), storage.cipher);
  const destination = parseResourceUrl(String(body.destinationUrl), storage.cipher);
  if (source.type !== destination.type) throw new DialError(400, 'source and destination resources must be the same type');
  // The same stored resource under two names (the literal `public` bucket and its encrypted name) is the same too.
  if (source.url === destination.url || source.key === destination.key) throw new DialError(400, 'source and destination resources cannot be the same');
  const onSource = permissionsOn(source, caller, storage.access);
  if (!onSource.has('READ') || !onSource.has('WRITE')) throw new DialError(403, 'no read and write access to source resource');
  if (!permissionsOn(destination, caller, storage.access).has('WRITE')) throw new DialError(403, 'no write access to destination resource');
  if (source.isFolder || destination.isFolder) throw new DialError(400, 'Moving folders is not supported');
  const overwrite = body.overwrite === true;
  await storage.blobs.move(source.key, destination.key, (from, to) => {
    if (!from) throw new DialError(400, `Source resource ${source.url} does not exist`);
    if (to && !overwrite) throw new DialError(400, `Can't move resource ${source.url} to ${destination.url}, because destination resource already exists`);
  });
  // Within a bucket shares follow the resource; to another bucket they end (Core's moveSharedAccess).
  if (source.bucket === destination.bucket) storage.shares.rename(source.url, destination.url);
  else storage.shares.forget([source.url]);
  sendText(exchange.res, 200);
}

const SUBSCRIBABLE = new Set(['files', 'conversations', 'prompts', 'applications']);

/**
 * A stream of server-sent events, one `data: {url, action, timestamp, etag}` per change to a subscribed
 * resource, and a `: heartbeat` comment every `resources.heartbeatPeriod`; the subscription ends when the
 * caller leaves.
 */
export async function subscribe(exchange: CoreExchange): Promise<void> {
  const { caller, core, res, req } = exchange;
  const { storage } = core;
  const body = await readJsonObject(req, 'Invalid body provided');
  if (!Array.isArray(body.resources) || body.resources.length === 0) throw new DialError(400, 'resources list must be provided');
  const resources: Resource[] = body.resources.map((link: unknown) => {
    const url = isObject(link) ? String(link.url) : String(link);
    const resource = parseResourceUrl(url, storage.cipher);
    if (resource.isFolder) throw new DialError(400, `resource folder is not supported: ${url}`);
    if (!SUBSCRIBABLE.has(resource.type)) throw new DialError(400, `resource type is not supported: ${url}`);
    if (!permissionsOn(resource, caller, storage.access).has('READ')) throw new DialError(403, `resource is not allowed: ${url}`);
    return resource;
  });
  const watched = new Map(resources.map((resource) => [resource.key, resource]));
  const encoding = encodingOf(res);
  res.writeHead(200, { ...CORS_HEADERS, 'content-type': 'text/event-stream', ...(encoding && { 'content-encoding': encoding }) });
  res.flushHeaders();
  // Compressed when asked for, each event flushed as it is written.
  const out = encoding ? compressor(encoding) : res;
  if (out !== res) out.pipe(res);
  const stopListening = storage.blobs.onChange((key, action, meta) => {
    const resource = watched.get(key);
    // Core checks the caller may still read it before each event, and skips the event if not.
    if (!resource || !permissionsOn(resource, caller, storage.access).has('READ')) return;
    // A deletion is stamped with its own time; a write with the resource's new updatedAt.
    const event = action === 'DELETE' ? { url: resource.url, action, timestamp: storage.now() } : { url: resource.url, action, timestamp: meta.updatedAt, etag: meta.etag };
    out.write(`data: ${JSON.stringify(event)}\n\n`);
  });
  const heartbeat = setInterval(() => out.write(': heartbeat\n\n'), storage.settings.heartbeatMs);
  heartbeat.unref();
  res.on('close', () => {
    stopListening();
    clearInterval(heartbeat);
    if (out !== res) out.destroy();
  });
}
