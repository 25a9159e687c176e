/**
 * createConsole: the sandbox's web console, in the sandbox's own process. It reads the services in this
 * process (logs, directory, Core's config and Core's own rule and limiter) and changes them only through
 * their HTTP APIs (service-calls.ts). Loopback only, whatever address the services listen on.
 */
import http from 'node:http';

import { listen } from '../common/listen.ts';
import { AccessView } from './access-view.ts';
import { CONSOLE_DEFAULTS } from './defaults.ts';
import { answerError, methodNotAllowed, notServed } from './errors.ts';
import type { ConsoleState } from './exchange.ts';
import type { ConsoleServices } from './services.ts';
import { Feed } from './feed.ts';
import { matchRoute } from './routes.ts';
import { ServiceCalls } from './service-calls.ts';
import { checkRequestSource, requireSession, Sessions } from './session.ts';

export interface ConsoleOptions {
  /** 0 picks a free port. */
  port?: number;
  /** 127.0.0.1 unless another loopback address (::1) is given; never anything else. */
  host?: string;
  /** With one, the console asks for it once (a form) and keeps a session cookie; scripts send it as Bearer. */
  controlToken?: string;
}

export interface SandboxConsole extends AsyncDisposable {
  readonly url: string;
  stop(): Promise<void>;
}

export type { ConsoleServices };

export async function createConsole(services: ConsoleServices, options: ConsoleOptions = {}): Promise<SandboxConsole> {
  const host = options.host && isLoopback(options.host) ? options.host : CONSOLE_DEFAULTS.host;
  let state: ConsoleState | undefined;
  const server = http.createServer((req, res) => void handle(req, res, state!));
  const { url, port } = await listen(server, options.port ?? CONSOLE_DEFAULTS.port, host);
  const access = new AccessView(services.idp, services.core, services.clock);
  state = { services, origin: url, port, sessions: new Sessions(options.controlToken), access, feed: new Feed(services), calls: new ServiceCalls(services, options.controlToken) };
  const stop = async () => {
    state!.feed.stop();
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  };
  return { url: `${url}/`, stop, [Symbol.asyncDispose]: stop };
}

export const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\./.test(host);

async function handle(req: http.IncomingMessage, res: http.ServerResponse, state: ConsoleState): Promise<void> {
  try {
    checkRequestSource(req, state.port);
    const url = new URL(req.url ?? '/', state.origin);
    const method = req.method ?? 'GET';
    const match = matchRoute(method === 'HEAD' ? 'GET' : method, url.pathname);
    if (!match) throw notServed(method, url.pathname);
    if ('allowed' in match) throw methodNotAllowed(method, url.pathname, match.allowed);
    if (!match.route.open) requireSession(req, state.sessions);
    await match.route.handler({ req, res, url, params: match.params, console: state });
  } catch (error) {
    answerError(error, res);
  }
}
