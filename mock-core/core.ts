/**
 * createCore: an emulator of DIAL Core's authentication, authorization, limits and forwarding, configured by
 * Core's own static and dynamic settings. Each step follows the rules in docs/dial-core.md
 * (Core 0.39: docs/dial-core.md#versions).
 */
import http from 'node:http';

import { systemClock, type Clock } from '../common/clock.ts';
import { CONTROL_CHALLENGE, CONTROL_TOKEN_REQUIRED, controlAllowed } from '../common/control-token.ts';
import { listen } from '../common/listen.ts';
import { createLogger, type Logger } from '../common/log.ts';
import { hasAccess } from './access.ts';
import { authenticate, PerRequestKeys } from './auth/authenticate.ts';
import { controlLog, createCoreRequestLog, requestFacts, type CoreRequestLog, type RequestNotes } from './request-log-entry.ts';
import { TokenValidator } from './auth/token-validator.ts';
import { ConfigStore, type ConfigSource } from './config-store.ts';
import { CORE_DEFAULTS } from './defaults.ts';
import { DialError } from './errors.ts';
import type { CoreState } from './exchange.ts';
import { health, preflight, version } from './handlers/service.ts';
import { sendText, BODY_LIMIT } from './http.ts';
import { RateLimiter } from './limits/rate-limiter.ts';
import { matchCoreRoute } from './routes.ts';
import type { StaticSettings } from './settings.ts';
import { Balancer } from './upstream/balancer.ts';
import { Http1Client } from './upstream/http1-client.ts';

export interface CoreOptions {
  settings: StaticSettings;
  /** Where relative `config.files` are; or a config object instead of files; a rewrite of what is read. */
  config?: Pick<ConfigSource, 'baseDir' | 'inline' | 'rewrite'>;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  clock?: Clock;
  log?: Logger;
  /** With one, /__control/log wants it (Authorization: Bearer); without, it answers anyone. */
  controlToken?: string;
}

export interface Core extends AsyncDisposable {
  readonly url: string;
  readonly config: ConfigStore;
  /** Recent requests: the caller as Core saw it, and Core's answer (also at GET /__control/log). */
  readonly log: CoreRequestLog;
  stop(): Promise<void>;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'HEAD']);

export async function createCore(options: CoreOptions): Promise<Core> {
  const log = options.log ?? createLogger('mock-core');
  const clock = options.clock ?? systemClock;
  const { settings } = options;
  const configStore = new ConfigStore({ files: settings.configFiles, reloadMs: settings.configReloadMs, ...options.config }, log);
  const validator = new TokenValidator(settings.identityProviders, clock);
  const state: CoreState = {
    config: () => configStore.current,
    limiter: new RateLimiter(clock),
    balancer: new Balancer(clock),
    perRequestKeys: new PerRequestKeys(),
    log,
    version: CORE_DEFAULTS.version,
    upstreamClient: new Http1Client(settings.client),
  };

  // Vert.x's default header limit (8 KiB); past it, as in Core, the answer is 431.
  const requestLog = createCoreRequestLog();
  const server = http.createServer({ maxHeaderSize: 8192 }, (req, res) => {
    // The sandbox's own window on Core's decisions; real Core answers this path 502 "No route".
    if (req.url?.startsWith('/__control/log')) {
      if (!controlAllowed(req.headers, options.controlToken)) return sendText(res, 401, CONTROL_TOKEN_REQUIRED, CONTROL_CHALLENGE);
      return controlLog(req, res, requestLog);
    }
    const started = Date.now();
    const notes: RequestNotes = {};
    res.on('finish', () => requestLog.add(requestFacts(req, res, notes, Date.now() - started)));
    void handle(req, res, state, validator, notes);
  });
  const { url } = await listen(server, options.port ?? settings.port ?? CORE_DEFAULTS.port, options.host ?? CORE_DEFAULTS.host);
  const stop = async () => {
    configStore.close();
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    await state.upstreamClient.close();
  };
  return { url, config: configStore, log: requestLog, stop, [Symbol.asyncDispose]: stop };
}

/** Core's Proxy.handleRequest, then the controller; the one place errors become answers. */
async function handle(req: http.IncomingMessage, res: http.ServerResponse, core: CoreState, validator: TokenValidator, notes: RequestNotes): Promise<void> {
  let url: URL | undefined;
  try {
    const method = req.method ?? 'GET';
    if (req.httpVersion !== '1.1') return sendText(res, 505);
    if (method === 'OPTIONS') return preflight(req, res);
    if (!METHODS.has(method)) return sendText(res, 405);
    if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) throw new DialError(413, 'Request body is too large');
    // Core takes any number of leading slashes; URL() would read "//openai/…" as a host.
    const target = req.url ?? '/';
    url = new URL(target.startsWith('//') ? target.replace(/^\/+/, '/') : target, 'http://mock-core');
    const path = url.pathname;
    if (method === 'GET' && path === '/health') return health(req, res);
    if (method === 'GET' && path === '/version') return version(req, res, core.version);

    const caller = await authenticate(req, core.config(), validator, core.perRequestKeys);
    notes.principal = caller;
    const match = matchCoreRoute(method, url.pathname);
    if (match) return await match.route.handler({ req, res, url, params: match.params, caller, core, notes });
    // Anything else goes to the configured routes; none matching is Core's 502 "No route" (not a 404).
    const configured = core.config().routes.find((r) => (r.methods.length === 0 || r.methods.includes(method)) && r.paths.some((p) => p.test(`${url!.pathname}${url!.search}`)));
    if (!configured) throw new DialError(502, 'No route');
    if (!hasAccess(configured.userRoles, caller.roles)) throw new DialError(403, 'Forbidden route');
    if (configured.response) return sendText(res, configured.response.status, configured.response.body);
    core.log.warn(`route "${configured.name}" would forward to its upstreams; mock-core does not emulate route forwarding, so it answers 502 No route.`);
    throw new DialError(502, 'No route');
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
    } else if (error instanceof DialError) {
      notes.reason = error.body || `HTTP ${error.status}`;
      sendText(res, error.status, error.body, error.headers);
    } else {
      core.log.error(`${req.method} ${req.url} failed: ${(error as Error).stack}`);
      const deployment = /\/openai\/deployments\/([^/]+)\//.exec(url?.pathname ?? '')?.[1];
      sendText(res, 500, deployment ? `Failed to process deployment: ${deployment}` : '');
    }
  }
}
