/**
 * createCore: an emulator of DIAL Core's authentication, authorization, limits and forwarding, configured by
 * Core's own static and dynamic settings. Each step follows the rules in docs/dial-core.md
 * (Core 0.39: docs/dial-core.md#versions).
 */
import http from 'node:http';

import { systemClock, type Clock } from '../common/clock.ts';
import { listen } from '../common/listen.ts';
import { createLogger, type Logger } from '../common/log.ts';
import { authenticate, PerRequestKeys } from './auth/authenticate.ts';
import { TokenValidator } from './auth/token-validator.ts';
import { ConfigStore, type ConfigSource } from './config-store.ts';
import { CORE_DEFAULTS } from './defaults.ts';
import { chooseEncoding } from './compression.ts';
import { answerError } from './error-handler.ts';
import { oneLeadingSlash, pathOf } from './http.ts';
import { RequestExchange, type CoreState } from './exchange.ts';
import { RateLimiter } from './limits/rate-limiter.ts';
import { createCoreRequestLog, requestFacts, type CoreRequestLog, type RequestNotes } from './request-log-entry.ts';
import { CONFIGURED_ROUTES, CONTROL_LOG, CONTROL_RESET, matchCoreRoute, PROXY_CHECKS } from './routes.ts';
import type { StaticSettings } from './settings.ts';
import { Storage, storageFolder } from './storage/storage.ts';
import { Balancer } from './upstream/balancer.ts';
import type { UpstreamClient } from './upstream/client.ts';
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
  /** Where the storage API keeps resources and shares, surviving restarts; without one they live in memory. */
  stateDir?: string;
  /** Core's HTTP client to upstreams, closed when Core stops: the hand-written one by default (`npm run bench` compares undici's). */
  upstreamClient?: UpstreamClient;
}

export interface Core extends AsyncDisposable {
  readonly url: string;
  readonly config: ConfigStore;
  /** Recent requests: the caller as Core saw it, and Core's answer (also at GET /__control/log). */
  readonly log: CoreRequestLog;
  /**
   * Core's own token reading and limits, for the sandbox's console (console/access-view.ts), which shows
   * Core's rule with them instead of a copy; it calls only what changes nothing Core answers (providerFor,
   * claimsOf, stats), never validate(), whose JWK fetch would fill Core's cache.
   */
  readonly validator: TokenValidator;
  readonly limiter: RateLimiter;
  stop(): Promise<void>;
}

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
    upstreamClient: options.upstreamClient ?? new Http1Client(settings.client),
    storage: new Storage(settings.storage, options.stateDir && storageFolder(options.stateDir), () => clock.now()),
    requestLog: createCoreRequestLog(),
    controlToken: options.controlToken,
  };

  // Vert.x's default header limit (8 KiB); past it, as in Core, the answer is 431.
  const server = http.createServer({ maxHeaderSize: 8192 }, (req, res) => {
    // Vert.x sends no Date header; Node would add one to every answer.
    res.sendDate = false;
    chooseEncoding(req, res, settings.compression);
    void handle(req, res, state, validator);
  });
  const { url } = await listen(server, options.port ?? settings.port ?? CORE_DEFAULTS.port, options.host ?? CORE_DEFAULTS.host);
  const stop = async () => {
    configStore.close();
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    await state.upstreamClient.close();
  };
  return { url, config: configStore, log: state.requestLog, validator, limiter: state.limiter, stop, [Symbol.asyncDispose]: stop };
}

/** The request target's path, before any query or fragment, with leading slashes as one (as Core reads them). */
function rawPath(target: string): string {
  return oneLeadingSlash(pathOf(target));
}

/** No path parameters, for what no row of CORE_ROUTES matched (the configured routes). */
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/** A request down the table of routes.ts, row by row; an error on any row goes to the error handler. */
async function handle(req: http.IncomingMessage, res: http.ServerResponse, core: CoreState, validator: TokenValidator): Promise<void> {
  const notes: RequestNotes = {};
  let path: string | undefined;
  try {
    if (req.url?.startsWith(CONTROL_LOG.prefix)) return CONTROL_LOG.handler(req, res, core);
    if (req.url?.startsWith(CONTROL_RESET.prefix)) return await CONTROL_RESET.handler(req, res, core);
    const started = Date.now();
    res.on('finish', () => core.requestLog.add(requestFacts(req, res, notes, Date.now() - started)));
    for (let i = 0; i < PROXY_CHECKS.length; i++) if (PROXY_CHECKS[i]!(req, res, core)) return;
    const target = req.url ?? '/';
    // Core matches the path as sent (Vert.x's request.path()): "..", "%2F" and the like are not resolved.
    path = rawPath(target);
    const match = matchCoreRoute(req.method!, path);
    const exchange = new RequestExchange(req, res, path, match?.params ?? NO_PARAMS, core, notes);
    if (match?.route.authenticated === false) return match.route.handler(exchange);

    notes.principal = exchange.caller = await authenticate(req, core.config(), validator, core.perRequestKeys);
    await (match ? match.route.handler : CONFIGURED_ROUTES)(exchange);
  } catch (error) {
    answerError(error, req, res, core.log, notes, path);
  }
}
