/**
 * `GET` and `PUT /v1/files/{bucket}/{path}`: download with the stored Content-Type, and upload as Core takes
 * it, multipart/form-data (Core's DownloadFileController and UploadFileController, docs/dial-core.md#files).
 * DELETE is resources.ts's, as in Core.
 */
import { DialError } from '../errors.ts';
import type { CoreExchange } from '../exchange.ts';
import { compressor, encodingOf } from '../compression.ts';
import { CORS_HEADERS, readBody, sendJson } from '../http.ts';
import { checkPreconditions, etagConditions } from '../storage/etag-conditions.ts';
import { itemMetadata } from '../storage/metadata.ts';
import { boundaryOf, firstFilePart } from '../storage/multipart.ts';
import { refuseTrailingDots } from '../storage/resource-url.ts';
import { authorOf, etagHeaders, resourceOf } from './resources.ts';

export async function downloadFile(exchange: CoreExchange): Promise<void> {
  const resource = resourceOf(exchange, '/v1/', 'READ');
  if (resource.isFolder) throw new DialError(400, "Can't download a folder");
  const blob = await exchange.core.storage.blobs.read(resource.key);
  if (!blob) throw new DialError(404);
  checkPreconditions(etagConditions(exchange.req), blob.meta);
  // Core streams a download from the blob store: chunked, compressed as the caller asked.
  const { res } = exchange;
  const encoding = encodingOf(res);
  res.writeHead(200, { ...CORS_HEADERS, 'content-type': blob.meta.contentType, ...etagHeaders(blob.meta), ...(encoding && { 'content-encoding': encoding }), 'transfer-encoding': 'chunked' });
  if (!encoding) return void res.end(blob.body);
  const out = compressor(encoding);
  res.on('close', () => out.destroy());
  out.pipe(res);
  out.end(blob.body);
}

export async function uploadFile(exchange: CoreExchange): Promise<void> {
  const resource = resourceOf(exchange, '/v1/', 'WRITE');
  if (resource.isFolder) throw new DialError(400, 'File name is missing');
  refuseTrailingDots(resource);
  const { storage } = exchange.core;
  const conditions = etagConditions(exchange.req);
  checkPreconditions(conditions, storage.blobs.meta(resource.key));
  const contentType = exchange.req.headers['content-type'];
  if (!contentType) throw new DialError(400, 'Request must have a content-type header to decode a multipart request');
  // Vert.x decodes either kind of form; only multipart can carry a file.
  if (!/^(multipart\/form-data|application\/x-www-form-urlencoded)\b/i.test(contentType)) throw new DialError(400, 'Request must have a valid content-type header to decode a multipart request');
  const boundary = boundaryOf(contentType);
  const part = boundary === undefined ? undefined : firstFilePart(await readBody(exchange.req), boundary);
  // Core never answers a body without a file part (it waits for one until the idle timeout); the sandbox
  // says so at once instead of leaving the caller hanging (docs/dial-core.md#file-upload).
  if (!part) throw new DialError(400, 'The multipart body has no file part (a part with a filename)');
  const meta = await storage.blobs.put(resource.key, part.body, { contentType: part.contentType, author: authorOf(exchange) }, (current) => checkPreconditions(conditions, current));
  sendJson(exchange.res, 200, itemMetadata(resource, meta, { etag: true }), etagHeaders(meta));
}
