/**
 * Core's HTTP client to upstreams on undici's Agent: HTTP/1.1 keep-alive connections per origin (http, or
 * https with the system's and NODE_EXTRA_CA_CERTS' authorities trusted, as Core's JVM truststore), answers
 * framed by llhttp and handed on piece by piece as they arrive, never buffered.
 *
 * mock-core forwards with its own client (http1-client.ts); this one is what that is measured against:
 * `npm run bench` runs mock-core with each in the same rounds, and the client tests run against both. Where
 * they differ: undici takes a connection back for reuse only an event-loop turn after its answer ended (a
 * call in the same turn opens another), and it fails a call on a 100 Continue it did not ask for, where
 * RFC 9110 §15.2 has a client read past any 1xx (the hand-written one skips it).
 */
import { Agent, type Dispatcher } from 'undici';

import { checkHeaderValue, UpstreamError, type ClientTimeouts, type ResponseHandler, type Target, type UpstreamCall, type UpstreamClient } from './client.ts';

/** Vert.x's default limit for an answer's headers (HttpClientOptions.DEFAULT_MAX_HEADER_SIZE). */
const MAX_HEAD_BYTES = 8192;
/** A connection the upstream announced it keeps for N seconds is not reused in its last second (a request could cross its closing). */
const KEEP_ALIVE_MARGIN_MS = 1000;

export class UndiciClient implements UpstreamClient {
  readonly #agent: Agent;
  #closed = false;

  constructor({ connectMs, idleMs }: ClientTimeouts) {
    this.#agent = new Agent({
      connect: { timeout: connectMs },
      // Vert.x's idleTimeout: no byte for that long, waiting for an answer, inside one, or idle in the pool.
      headersTimeout: idleMs,
      bodyTimeout: idleMs,
      keepAliveTimeout: idleMs,
      keepAliveMaxTimeout: idleMs,
      keepAliveTimeoutThreshold: KEEP_ALIVE_MARGIN_MS,
      maxHeaderSize: MAX_HEAD_BYTES,
    });
  }

  post(target: Target, path: string, headers: readonly string[], body: Buffer, handler: ResponseHandler): UpstreamCall {
    if (this.#closed) throw new Error('the upstream client is closed');
    // undici refuses such a value too, but through the handler: the caller is told before anything is under way.
    for (let i = 0; i < headers.length; i += 2) checkHeaderValue(headers[i]!, headers[i + 1]!);
    const call = new Call(handler);
    this.#agent.dispatch({ origin: target.origin, path, method: 'POST', headers: headers as string[], body }, call);
    return call;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#agent.destroy();
  }
}

/**
 * One call, as undici's dispatcher handler. It uses the handler methods undici's HTTP/1.1 client calls
 * itself (onConnect, onHeaders, onData…): the newer controller methods reach a handler through an adapter
 * that turns every answer's raw headers into an object, which this would turn back into a flat list.
 */
class Call implements Dispatcher.DispatchHandler, UpstreamCall {
  /** Cleared once the handler is told the end, or the call is aborted: it hears nothing more. */
  #handler: ResponseHandler | undefined;
  #abortUndici: ((error?: Error) => void) | undefined;
  #resumeUndici: (() => void) | undefined;

  constructor(handler: ResponseHandler) {
    this.#handler = handler;
  }

  resume(): void {
    if (this.#handler) this.#resumeUndici?.();
  }

  abort(): void {
    if (!this.#handler) return;
    this.#handler = undefined;
    // Before the request is on a connection undici has no abort to give yet: onConnect uses it then.
    this.#abortUndici?.();
  }

  onConnect(abort: (error?: Error) => void): void {
    this.#abortUndici = abort;
    if (!this.#handler) abort();
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    if (status < 200 || !this.#handler) return true; // 1xx: the real answer follows on the same connection
    this.#resumeUndici = resume;
    const headers: string[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i += 2) {
      headers[i] = raw[i]!.toString('latin1').toLowerCase();
      headers[i + 1] = raw[i + 1]!.toString('latin1');
    }
    this.#handler.onResponseStart(status, headers);
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.#handler?.onResponseData(chunk) ?? true;
  }

  onComplete(): void {
    const handler = this.#handler;
    this.#handler = undefined;
    handler?.onResponseEnd();
  }

  onError(error: Error & { code?: string }): void {
    const handler = this.#handler;
    this.#handler = undefined;
    handler?.onResponseError(upstreamErrorOf(error));
  }
}

/** undici's errors in Core's terms (UpstreamError's codes); a socket's own code passes through. */
function upstreamErrorOf(error: Error & { code?: string }): UpstreamError {
  switch (error.code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new UpstreamError('CONNECT_TIMEOUT', error.message);
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return new UpstreamError('IDLE_TIMEOUT', error.message);
    // The upstream hung up ('other side closed'), or the client was closed under the call.
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return new UpstreamError('CLOSED', error.message);
    case 'UND_ERR_HEADERS_OVERFLOW':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return new UpstreamError('BAD_RESPONSE', error.message);
    default:
      // llhttp's refusals: this undici gives them no code (it looks the name up by number in a map by name).
      if (error.name === 'HTTPParserError') return new UpstreamError('BAD_RESPONSE', error.message);
      return new UpstreamError(error.code ?? 'ECONNRESET', error.message);
  }
}
