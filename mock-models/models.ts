/**
 * createModels: OpenAI-compatible stub model endpoints, the "adapters" DIAL Core forwards to. Deterministic,
 * streaming chunk by chunk, able to fail on purpose, and recording what they received.
 */
import http from 'node:http';

import { controlAllowed } from '../common/control-token.ts';
import { listen } from '../common/listen.ts';
import { createLogger, type Logger } from '../common/log.ts';
import type { Fault, ModelDefinition } from './definition.ts';
import { MODELS_DEFAULTS } from './defaults.ts';
import { answerError } from './error-handler.ts';
import { controlTokenRequired, methodNotAllowed, notServed } from './errors.ts';
import { ModelRegistry, type RecordedRequest, type RequestListener } from './registry.ts';
import { isControl, matchRoute } from './routes.ts';

export interface ModelsOptions {
  models: readonly ModelDefinition[];
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  recordLimit?: number;
  log?: Logger;
  /** With one, every /__control endpoint wants it (Authorization: Bearer); without, they answer anyone. */
  controlToken?: string;
}

export interface Models extends AsyncDisposable {
  readonly url: string;
  readonly definitions: readonly ModelDefinition[];
  /** Sets (or, with undefined, clears) a model's fault until reset. */
  setFault(model: string, fault: Fault | undefined): void;
  /** The last requests a model received, oldest first. */
  requests(model: string): RecordedRequest[];
  /** Every request a model records from now on, shaped when `read` is called; returns the unsubscribe. */
  onRequest(listener: RequestListener): () => void;
  /** Faults back to the definitions, sequences from their start, recordings cleared. */
  reset(): void;
  stop(): Promise<void>;
}

export async function createModels(options: ModelsOptions): Promise<Models> {
  const registry = new ModelRegistry(options.models, options.recordLimit ?? MODELS_DEFAULTS.recordLimit);
  const log = options.log ?? createLogger('mock-models');
  const server = http.createServer((req, res) => void handle(req, res, registry, log, options.controlToken));
  const { url } = await listen(server, options.port ?? MODELS_DEFAULTS.port, options.host ?? MODELS_DEFAULTS.host);

  const stop = async () => {
    server.closeAllConnections(); // hanging requests included
    await new Promise<void>((done) => server.close(() => done()));
  };
  return {
    url,
    definitions: options.models,
    setFault: (model, fault) => registry.setFault(model, fault),
    requests: (model) => registry.requests(model),
    onRequest: (listener) => registry.onRequest(listener),
    reset: () => registry.reset(),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** A request down the table of routes.ts; an error on the way goes to the error handler. */
async function handle(req: http.IncomingMessage, res: http.ServerResponse, registry: ModelRegistry, log: Logger, controlToken: string | undefined): Promise<void> {
  try {
    // The path as sent: new URL('//x', base) would read "x" as a host.
    const url = new URL(`http://mock-models${req.url ?? '/'}`);
    const method = req.method ?? 'GET';
    const match = matchRoute(method, url.pathname);
    if (!match) throw notServed(method, url.pathname);
    if ('allowed' in match) throw methodNotAllowed(method, url.pathname, match.allowed);
    if (isControl(match.route) && !controlAllowed(req.headers, controlToken)) throw controlTokenRequired();
    await match.route.handler({ req, res, url, params: match.params, registry });
  } catch (error) {
    answerError(error, req, res, log);
  }
}
