/** What every mock-core handler receives: the request, its caller, and the running Core's state. */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Logger } from '../common/log.ts';
import type { PerRequestKeys, Principal } from './auth/authenticate.ts';
import type { CoreConfig } from './config.ts';
import { oneLeadingSlash } from './http.ts';
import type { RateLimiter } from './limits/rate-limiter.ts';
import type { Storage } from './storage/storage.ts';
import type { CoreRequestLog, RequestNotes } from './request-log-entry.ts';
import type { Balancer } from './upstream/balancer.ts';
import type { UpstreamClient } from './upstream/client.ts';

/** The state of a running mock-core, shared by its handlers. */
export interface CoreState {
  config(): CoreConfig;
  limiter: RateLimiter;
  balancer: Balancer;
  perRequestKeys: PerRequestKeys;
  log: Logger;
  version: string;
  /** Core's HTTP client to upstreams. */
  upstreamClient: UpstreamClient;
  /** The storage API's buckets, resources and shares. */
  storage: Storage;
  /** Recent requests, as GET /__control/log shows them. */
  requestLog: CoreRequestLog;
  /** With one, /__control/log wants it (Authorization: Bearer); without, it answers anyone. */
  controlToken: string | undefined;
}

/** What a route answered before authentication receives (/health, /version). */
export interface OpenExchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** The request target, parsed when first read. */
  readonly url: URL;
  /** The path as sent, not normalised (Core's request.path()): storage URLs are read from it. */
  path: string;
  params: Record<string, string>;
  core: CoreState;
  /** What the request log will keep of this request. */
  notes: RequestNotes;
}

export interface CoreExchange extends OpenExchange {
  /** The authenticated caller. */
  caller: Principal;
}

export type OpenHandler = (exchange: OpenExchange) => void;
export type CoreHandler = (exchange: CoreExchange) => Promise<void> | void;

/**
 * One request on its way down routes.ts, as core.ts hands it on: a class, so every request's has the same
 * shape, and its URL parsed only for a handler that reads it (a deployment call without a query does not).
 */
export class RequestExchange implements CoreExchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly path: string;
  readonly params: Record<string, string>;
  readonly core: CoreState;
  readonly notes: RequestNotes;
  /** Set once authenticated, before any handler that reads it runs. */
  caller!: Principal;
  #url: URL | undefined;

  constructor(req: IncomingMessage, res: ServerResponse, path: string, params: Record<string, string>, core: CoreState, notes: RequestNotes) {
    this.req = req;
    this.res = res;
    this.path = path;
    this.params = params;
    this.core = core;
    this.notes = notes;
  }

  get url(): URL {
    return (this.#url ??= new URL(oneLeadingSlash(this.req.url ?? '/'), 'http://mock-core'));
  }
}
