/** What every mock-core handler receives. */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Logger } from '../common/log.ts';
import type { PerRequestKeys, Principal } from './auth/authenticate.ts';
import type { CoreConfig } from './config.ts';
import type { RateLimiter } from './limits/rate-limiter.ts';
import type { RequestNotes } from './request-log-entry.ts';
import type { Balancer } from './upstream/balancer.ts';
import type { Http1Client } from './upstream/http1-client.ts';

/** The state of a running mock-core, shared by its handlers. */
export interface CoreState {
  config(): CoreConfig;
  limiter: RateLimiter;
  balancer: Balancer;
  perRequestKeys: PerRequestKeys;
  log: Logger;
  version: string;
  /** Core's HTTP client to upstreams. */
  upstreamClient: Http1Client;
}

export interface CoreExchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  /** The authenticated caller (every route but /health, /version and OPTIONS). */
  caller: Principal;
  core: CoreState;
  /** What the request log will keep of this request. */
  notes: RequestNotes;
}

export type CoreHandler = (exchange: CoreExchange) => Promise<void> | void;
