/**
 * Core's HTTP server compresses its answers (Vert.x's `compressionSupported`, on in Core's own default
 * settings as `server.compressionSupported`): gzip or deflate, whichever the request's Accept-Encoding ranks
 * higher (gzip on a tie or for `*`), for every answer with a body, each piece of a streamed one flushed as it
 * goes (Netty's HttpContentCompressor). Clients that ask for it (fetch, the openai SDK, browsers) decode it
 * unseen (docs/dial-core.md#compression).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import zlib from 'node:zlib';

export type Encoding = 'gzip' | 'deflate';

const ENCODING = Symbol('answer encoding');
type Encoded = ServerResponse & { [ENCODING]?: Encoding };

/** Decides, once per request, how its answer is to be encoded. */
export function chooseEncoding(req: IncomingMessage, res: ServerResponse, enabled: boolean): void {
  const accepted = req.headers['accept-encoding'];
  if (!enabled || !accepted) return;
  let gzip = -1;
  let deflate = -1;
  let any = -1;
  for (const part of accepted.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) || 0 : 1;
    if (name === 'gzip') gzip = q;
    else if (name === 'deflate') deflate = q;
    else if (name === '*') any = q;
  }
  const encoding: Encoding | undefined = gzip > 0 || deflate > 0 ? (gzip >= deflate ? 'gzip' : 'deflate') : any > 0 ? 'gzip' : undefined;
  if (encoding) (res as Encoded)[ENCODING] = encoding;
}

/** The encoding chosen for this answer, if any. */
export function encodingOf(res: ServerResponse): Encoding | undefined {
  return (res as Encoded)[ENCODING];
}

/** A whole body, compressed as chosen; undefined when it goes as it is (no encoding, or nothing to encode). */
export function compressed(res: ServerResponse, body: string | Buffer): Buffer | undefined {
  const encoding = encodingOf(res);
  if (!encoding || body.length === 0) return undefined;
  return encoding === 'gzip' ? zlib.gzipSync(body) : zlib.deflateSync(body);
}

/** A streaming compressor that flushes every write, for an answer sent in pieces. */
export function compressor(encoding: Encoding): zlib.Gzip | zlib.Deflate {
  const options = { flush: zlib.constants.Z_SYNC_FLUSH };
  return encoding === 'gzip' ? zlib.createGzip(options) : zlib.createDeflate(options);
}
