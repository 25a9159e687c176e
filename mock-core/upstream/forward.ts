/**
 * Forwarding a deployment call as Core does (reference dial-core-and-chat.md §3.3, dial-core-newest.md §5):
 * to the deployment's `endpoint` plus the query string, with Core's header rules; retried on another upstream
 * for a retriable status up to `maxRetryAttempts`; the answer streamed through chunk by chunk.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';

import type { Principal, PerRequestKeys } from '../auth/authenticate.ts';
import type { Deployment, Upstream } from '../config.ts';
import { DialError } from '../errors.ts';
import { CORS_HEADERS } from '../http.ts';
import type { Balancer } from './balancer.ts';

/** Never forwarded: hop-by-hop headers, the caller's key, tracing, and what Core sets itself. */
const DROPPED_REQUEST_HEADERS = new Set([
  'connection', 'keep-alive', 'host', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'content-length', 'accept-encoding', 'api-key', 'traceparent', 'tracestate',
  'x-dial-application-properties', 'x-dial-application-id',
]);
/** Hop-by-hop response headers; Content-Length stays, so a plain answer goes out in one piece. */
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const ALWAYS_RETRIABLE = [429, 502, 503, 504];

/** Core's HTTP client settings (`client.connectTimeout`, `client.idleTimeout`), in ms. */
export interface ClientTimeouts {
  connectMs: number;
  idleMs: number;
}

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
  timeouts: ClientTimeouts;
  /** Called with the whole answer body after a 200, for token usage. */
  onSuccess?: (body: string) => void;
}

interface Attempt {
  response?: IncomingMessage;
  /** The connection could not be made at all (no retry, as Core). */
  connectFailed?: boolean;
  /** It broke after connecting, or stayed silent past the idle timeout, before an answer. */
  broken?: boolean;
  /** The caller went away: nothing more to do, and no upstream to blame. */
  abandoned?: boolean;
}

/** Errors that mean no connection was made, even on a pooled socket. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'CONNECT_TIMEOUT']);

export async function forward(request: ForwardRequest): Promise<void> {
  const { deployment, res, balancer } = request;
  const endpoint = deployment.endpoint!;
  // A model without upstreams, or any other deployment, has one synthetic upstream: its endpoint.
  const upstreams: Upstream[] = deployment.upstreams.length ? deployment.upstreams : [{ endpoint, weight: 1, tier: 0 }];
  const attempts = Math.max(1, Math.min(deployment.maxRetryAttempts, upstreams.length));
  const tried = new Set<Upstream>();
  const retryAfters: number[] = [];
  let all429 = true;

  const perRequestKey = randomUUID().replaceAll('-', '');
  request.perRequestKeys.issue(perRequestKey, request.caller);
  try {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const upstream = balancer.pick(deployment.name, upstreams, tried);
      if (!upstream) break;
      tried.add(upstream);
      const result = await send(request, upstream, perRequestKey);
      if (result.abandoned) return;
      if (result.connectFailed) throw new DialError(502, 'Failed to connect to origin');
      const status = result.response?.statusCode ?? 502;
      if (result.broken || [...ALWAYS_RETRIABLE, ...request.retriableErrorCodes].includes(status)) {
        const retryAfter = Number(result.response?.headers['retry-after']);
        if (status === 429 && Number.isFinite(retryAfter)) retryAfters.push(retryAfter);
        all429 &&= status === 429 && !result.broken;
        balancer.failed(deployment.name, upstream, result.broken ? 502 : status, Number.isFinite(retryAfter) ? retryAfter : undefined);
        result.response?.resume(); // Core discards the failed attempt's body
        continue;
      }
      if (status === 200) balancer.succeeded(deployment.name, upstream);
      await relay(result.response!, res, attempt, status === 200 ? request.onSuccess : undefined);
      return;
    }
  } finally {
    request.perRequestKeys.revoke(perRequestKey);
  }
  if (all429 && tried.size > 0) {
    throw new DialError(503, 'Service is not available', retryAfters.length ? { 'retry-after': String(Math.min(...retryAfters)) } : {});
  }
  throw new DialError(502, 'No route');
}

function upstreamHeaders(request: ForwardRequest, upstream: Upstream, perRequestKey: string, body: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.req.headers as IncomingHttpHeaders)) {
    if (value === undefined || DROPPED_REQUEST_HEADERS.has(name)) continue;
    if (name === 'authorization' && !request.deployment.forwardAuthToken) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  headers['api-key'] = perRequestKey;
  if (request.deployment.upstreams.length) {
    headers['x-upstream-endpoint'] = upstream.endpoint;
    if (upstream.key !== undefined) headers['x-upstream-key'] = upstream.key;
    if (upstream.extraData !== undefined) headers['x-upstream-extra-data'] = upstream.extraData;
  }
  if (request.deployment.overrideName) headers['x-dial-override-name'] = request.deployment.overrideName;
  headers['content-length'] = String(body.length);
  return headers;
}

function send(request: ForwardRequest, upstream: Upstream, perRequestKey: string): Promise<Attempt> {
  const { res, timeouts } = request;
  if (res.destroyed) return Promise.resolve({ abandoned: true });
  // Core appends "?" and the caller's query to the endpoint as written.
  const target = new URL(`${request.deployment.endpoint!}${request.query}`);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const outgoing = client.request(target, { method: 'POST', headers: upstreamHeaders(request, upstream, perRequestKey, request.body) });
    let connectTimer: NodeJS.Timeout | undefined;
    const settle = (attempt: Attempt) => {
      clearTimeout(connectTimer);
      res.off('close', abandon);
      resolve(attempt);
    };
    // The caller going away ends the upstream call too, and blames no upstream for it.
    const abandon = () => {
      outgoing.destroy();
      settle({ abandoned: true });
    };
    res.once('close', abandon);
    outgoing.on('socket', (socket) => {
      if (socket.connecting) connectTimer = setTimeout(() => outgoing.destroy(Object.assign(new Error('connect timeout'), { code: 'CONNECT_TIMEOUT' })), timeouts.connectMs);
    });
    // Silence past Core's idle timeout counts as a broken attempt (retried), never a 504.
    outgoing.setTimeout(timeouts.idleMs, () => outgoing.destroy(Object.assign(new Error('idle timeout'), { code: 'IDLE_TIMEOUT' })));
    outgoing.on('response', (response) => settle({ response }));
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (res.destroyed) settle({ abandoned: true });
      else settle(CONNECT_ERRORS.has(error.code ?? '') ? { connectFailed: true } : { broken: true });
    });
    outgoing.end(request.body);
  });
}

/** Status and headers as-is (less hop-by-hop ones) plus X-UPSTREAM-ATTEMPTS, then each chunk as it comes. */
function relay(response: IncomingMessage, res: ServerResponse, attempts: number, onSuccess?: (body: string) => void): Promise<void> {
  const headers: Record<string, string | string[]> = { ...CORS_HEADERS };
  for (const [name, value] of Object.entries(response.headers)) if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name)) headers[name] = value;
  headers['x-upstream-attempts'] = String(attempts);
  res.writeHead(response.statusCode ?? 502, headers);
  // A stream's first byte should not wait for its first chunk; a plain answer goes out with its body.
  const streaming = String(response.headers['content-type']).startsWith('text/event-stream');
  if (streaming) res.flushHeaders();
  else res.cork();
  const chunks: Buffer[] = [];
  return new Promise((done) => {
    response.on('data', (chunk: Buffer) => {
      if (onSuccess) chunks.push(chunk);
      if (!res.write(chunk)) {
        response.pause();
        res.once('drain', () => response.resume());
      }
    });
    response.on('end', () => {
      if (!streaming) res.uncork();
      res.end();
      onSuccess?.(Buffer.concat(chunks).toString('utf8'));
      done();
    });
    // The upstream broke mid-answer, or the caller left: the answer ends unfinished.
    const abort = () => {
      res.destroy();
      done();
    };
    response.on('error', abort);
    response.on('aborted', abort);
    res.on('close', () => {
      if (!response.complete) response.destroy();
    });
  });
}
