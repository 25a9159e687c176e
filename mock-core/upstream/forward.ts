/**
 * Forwarding a deployment call as Core does (docs/dial-core.md#forwarding, docs/dial-core.md#retries):
 * to the deployment's `endpoint` plus the query string, with Core's header rules; retried on another upstream
 * for a retriable status up to `maxRetryAttempts`; the answer streamed through chunk by chunk. The HTTP side
 * is client.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';

import { newPerRequestKey, type InterceptorChain, type Principal, type PerRequestKeys } from '../auth/authenticate.ts';
import type { Deployment, Upstream } from '../config.ts';
import { compressor, encodingOf } from '../compression.ts';
import { DialError } from '../errors.ts';
import { CORS_HEADERS } from '../http.ts';
import type { Balancer } from './balancer.ts';
import { targetOf, type ResponseHandler, type Target, type UpstreamCall, type UpstreamClient, type UpstreamError } from './client.ts';

/**
 * Never forwarded: hop-by-hop headers, the caller's key, tracing, and what Core sets itself. `expect` goes
 * too: the body is already read, so there is nothing left to wait for.
 */
const DROPPED_REQUEST_HEADERS = new Set([
  'connection', 'keep-alive', 'host', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'content-length', 'accept-encoding', 'api-key', 'traceparent', 'tracestate',
  'x-dial-application-properties', 'x-dial-application-id', 'expect',
]);
/** Hop-by-hop response headers; Content-Length stays, so a plain answer goes out in one piece. */
/**
 * Core's ProxyUtil.copyHeaders drops these of an answer. It drops Content-Length too and sends every relayed
 * answer chunked; mock-core keeps an upstream's Content-Length (unless it compresses the answer): Node's
 * chunked framing costs ~6% of mock-core's CPU per call, and no client tells the two apart
 * (docs/dial-core.md#compression).
 */
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'host', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'accept-encoding', 'api-key', 'traceparent', 'tracestate', 'x-upstream-attempts']);
const CORS_HEADER_LIST = Object.entries(CORS_HEADERS).flat();
const ALWAYS_RETRIABLE = new Set([429, 502, 503, 504]);
/** Errors that mean no connection could be made (Core's ConnectException: no retry). */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'CONNECT_TIMEOUT']);

export interface ForwardRequest {
  req: IncomingMessage;
  res: ServerResponse;
  deployment: Deployment;
  caller: Principal;
  body: Buffer;
  query: string;
  retriableErrorCodes: readonly number[];
  balancer: Balancer;
  perRequestKeys: PerRequestKeys;
  /** The resources the request attached: its per-request key may read them. */
  attachments: ReadonlySet<string>;
  /** Sent to an interceptor: its answer, whatever the status, goes back as it is (Core's InterceptorController). */
  interceptorChain?: InterceptorChain;
  client: UpstreamClient;
  /** Called with the whole answer body after a 200, for token usage. */
  onSuccess?: (body: string) => void;
}

/** How one attempt ended. */
type Outcome =
  /** The answer went to the caller: whole, or cut short when the upstream broke mid-answer. */
  | { kind: 'relayed'; status: number; retryAfter: number }
  /** A retriable status, or broken (or silent past the idle timeout) before an answer. */
  | { kind: 'retriable'; status: number; retryAfter: number; broken: boolean }
  /** The connection could not be made at all (no retry, as Core). */
  | { kind: 'connect-failed' }
  /** The caller went away: nothing more to do, and no upstream to blame. */
  | { kind: 'abandoned' };

export async function forward(request: ForwardRequest): Promise<void> {
  const { deployment, balancer } = request;
  // A model without upstreams, or any other deployment, has one synthetic upstream: its endpoint.
  const upstreams: Upstream[] = deployment.upstreams.length ? deployment.upstreams : [{ endpoint: deployment.endpoint!, weight: 1, tier: 0 }];
  const route = balancer.route(deployment.name, upstreams, deployment.maxRetryAttempts);
  let upstream = route.next();

  const perRequestKey = newPerRequestKey();
  request.perRequestKeys.issue(perRequestKey, request.caller, { deployment: deployment.name, attachments: request.attachments, chain: request.interceptorChain });
  try {
    for (;;) {
      const outcome = await send(request, upstream, perRequestKey, route.attempts);
      switch (outcome.kind) {
        case 'abandoned':
          return;
        case 'relayed':
          // An answer passed on that is not a success (nor the caller's fault, a 4xx) marks the upstream too.
          if (outcome.status === 200) route.succeeded();
          else if (outcome.status < 400 || outcome.status >= 500) route.failed(outcome.status, outcome.retryAfter);
          return;
        case 'connect-failed':
          throw new DialError(502, 'Failed to connect to origin');
        case 'retriable':
          // A connection broken before the answer counts as Core's own 502.
          route.failed(outcome.broken ? 502 : outcome.status, outcome.broken ? -1 : outcome.retryAfter);
          // Out of attempts or upstreams: Core's 503 or 502, from what is stored of every upstream.
          upstream = route.next();
      }
    }
  } finally {
    request.perRequestKeys.revoke(perRequestKey);
  }
}

/** The endpoint, split once per deployment (a config reload makes new ones). */
const endpoints = new WeakMap<Deployment, { target: Target; path: string }>();

function endpointOf(deployment: Deployment): { target: Target; path: string } {
  let endpoint = endpoints.get(deployment);
  if (!endpoint) {
    const url = new URL(deployment.endpoint!);
    endpoints.set(deployment, (endpoint = { target: targetOf(url), path: `${url.pathname}${url.search}` }));
  }
  return endpoint;
}

/** The caller's headers as Core passes them on, then Core's own (flat: name, value, …). */
function upstreamHeaders(request: ForwardRequest, upstream: Upstream, perRequestKey: string): string[] {
  const headers: string[] = [];
  const incoming = request.req.headers;
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || DROPPED_REQUEST_HEADERS.has(name)) continue;
    if (name === 'authorization' && !request.deployment.forwardAuthToken) continue;
    headers.push(name, Array.isArray(value) ? value.join(', ') : value);
  }
  headers.push('api-key', perRequestKey);
  // Core's own values replace any the caller sent.
  if (request.deployment.upstreams.length) {
    // Core sets all three; setting one to an upstream's missing value removes the caller's (Vert.x's set(name, null)).
    replaceHeader(headers, 'x-upstream-endpoint', upstream.endpoint);
    replaceHeader(headers, 'x-upstream-key', upstream.key);
    replaceHeader(headers, 'x-upstream-extra-data', upstream.extraData);
  }
  if (request.deployment.overrideName) replaceHeader(headers, 'x-dial-override-name', request.deployment.overrideName);
  return headers;
}

/** Sets a header in the flat list; undefined removes it. */
function replaceHeader(headers: string[], name: string, value: string | undefined): void {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== name) continue;
    if (value === undefined) headers.splice(i, 2);
    else headers[i + 1] = value;
    return;
  }
  if (value !== undefined) headers.push(name, value);
}

function send(request: ForwardRequest, upstream: Upstream, perRequestKey: string, attempt: number): Promise<Outcome> {
  if (request.res.destroyed) return Promise.resolve({ kind: 'abandoned' });
  const { target, path } = endpointOf(request.deployment);
  return new Promise((resolve) => {
    const handler = new Attempt(request, attempt, resolve);
    // Core appends the caller's query to the endpoint as written.
    handler.start(request.client.post(target, `${path}${request.query}`, upstreamHeaders(request, upstream, perRequestKey), request.body, handler));
  });
}

/**
 * One attempt, as the client's response handler. The decision to relay or retry is taken the moment the
 * status is known, since the body may follow in the same read; a relayed answer goes to the caller chunk by
 * chunk, with the upstream held back while the caller's socket is full.
 */
class Attempt implements ResponseHandler {
  #call?: UpstreamCall;
  #settled = false;
  /** The status being relayed to the caller, once one is. */
  #relaying = 0;
  /** Between the upstream's answer and the caller, when the caller asked for a compressed one. */
  #compressor?: Transform;
  /** A relayed failure's Retry-After (seconds, -1 for none): it marks the upstream too. */
  #retryAfter = -1;
  #streaming = false;
  /** A plain answer waits in the socket's buffer until its end, to go out in as few writes as it can. */
  #corked = false;
  /** The answer's chunks, kept only when its tokens are to be counted. */
  #chunks?: Buffer[];

  readonly #request: ForwardRequest;
  readonly #attempt: number;
  readonly #resolve: (outcome: Outcome) => void;

  constructor(request: ForwardRequest, attempt: number, resolve: (outcome: Outcome) => void) {
    this.#request = request;
    this.#attempt = attempt;
    this.#resolve = resolve;
    // Never taken off: the response is this request's alone, and a settled attempt ignores it.
    request.res.on('close', this.#callerLeft);
  }

  start(call: UpstreamCall): void {
    this.#call = call;
  }

  onResponseStart(status: number, headers: string[]): void {
    const interceptor = this.#request.interceptorChain !== undefined;
    if (!interceptor && (ALWAYS_RETRIABLE.has(status) || this.#request.retriableErrorCodes.includes(status))) {
      // Core discards a failed attempt's body: it is let through unread, so the connection stays usable.
      return this.#settle({ kind: 'retriable', status, retryAfter: retryAfterOf(headers), broken: false });
    }
    const { res, onSuccess } = this.#request;
    // Names and values in one flat list, as writeHead takes them: no header object to build.
    const relayed = [...CORS_HEADER_LIST];
    let contentType = '';
    let encoded = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      if (DROPPED_RESPONSE_HEADERS.has(name)) continue;
      if (name === 'content-type') contentType = headers[i + 1]!;
      else if (name === 'content-encoding') encoded = true;
      relayed.push(name, headers[i + 1]!);
    }
    if (!interceptor) relayed.push('x-upstream-attempts', String(this.#attempt));
    // Compressed on the way out when the caller asked for it, unless the upstream's answer already is.
    const encoding = encoded ? undefined : encodingOf(res);
    if (encoding) {
      const length = relayed.indexOf('content-length');
      if (length >= 0 && length % 2 === 0) relayed.splice(length, 2);
      relayed.push('content-encoding', encoding);
      this.#compressor = compressor(encoding);
      this.#compressor.pipe(res);
    }
    res.writeHead(status, relayed);
    this.#relaying = status;
    if (status !== 200) this.#retryAfter = retryAfterOf(headers);
    if (status === 200 && onSuccess) this.#chunks = [];
    // A stream's first byte should not wait for its first chunk; a plain answer goes out with its body.
    this.#streaming = contentType.startsWith('text/event-stream');
    if (this.#streaming || this.#compressor) res.flushHeaders();
    else {
      res.cork();
      this.#corked = true;
    }
  }

  onResponseData(chunk: Buffer): boolean {
    if (!this.#relaying || this.#settled) return true;
    this.#chunks?.push(chunk);
    const out = this.#compressor ?? this.#request.res;
    if (out.write(chunk)) return true;
    // A corked socket never drains: a body too large to wait in memory goes out as it comes.
    this.#uncork();
    out.once('drain', () => this.#call?.resume());
    return false;
  }

  onResponseEnd(): void {
    if (!this.#relaying) return;
    const { res, onSuccess } = this.#request;
    this.#uncork();
    // A compressor ends the answer itself once it has written its last bytes.
    if (this.#compressor) this.#compressor.end();
    else res.end();
    if (this.#chunks) onSuccess!((this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks)).toString('utf8'));
    this.#settle({ kind: 'relayed', status: this.#relaying, retryAfter: this.#retryAfter });
  }

  onResponseError(error: UpstreamError): void {
    if (this.#relaying) {
      // The upstream broke mid-answer (or went silent past the idle timeout): the answer ends unfinished.
      this.#compressor?.destroy();
      this.#request.res.destroy();
      this.#settle({ kind: 'relayed', status: this.#relaying, retryAfter: this.#retryAfter });
    } else if (this.#request.res.destroyed) {
      this.#settle({ kind: 'abandoned' });
    } else if (CONNECT_ERRORS.has(error.code)) {
      this.#settle({ kind: 'connect-failed' });
    } else {
      // Back-off counts a broken attempt as a 502 from that upstream.
      this.#settle({ kind: 'retriable', status: 502, retryAfter: -1, broken: true });
    }
  }

  /** The caller going away ends the upstream call too, and blames no upstream for it. */
  #callerLeft = (): void => {
    this.#compressor?.destroy();
    if (this.#settled) return;
    this.#call?.abort();
    this.#settle({ kind: 'abandoned' });
  };

  #uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#request.res.uncork();
  }

  #settle(outcome: Outcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(outcome);
  }
}

/** A header's first value in a flat list. */
function valueOf(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}

/** The upstream's Retry-After in whole seconds, as Java's Long.parseLong reads it; -1 for none or unreadable. */
function retryAfterOf(headers: string[]): number {
  const value = valueOf(headers, 'retry-after');
  return value !== undefined && /^[+-]?\d{1,18}$/.test(value) ? Number(value) : -1;
}
