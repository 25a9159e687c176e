/** The console's own errors: `{ error, message }` with a 4xx; a pass-through keeps the service's own answer instead. */
import type { ServerResponse } from 'node:http';

export class ConsoleError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export const notServed = (method: string, path: string) => new ConsoleError(404, 'not_found', `The console serves no ${method} ${path}.`);
/** With Allow, which a 405 must carry (https://www.rfc-editor.org/rfc/rfc9110#section-15.5.6). */
export const methodNotAllowed = (method: string, path: string, allowed: readonly string[]) =>
  new ConsoleError(405, 'method_not_allowed', `${path} takes no ${method}.`, { allow: allowed.join(', ') });
export const badRequest = (message: string) => new ConsoleError(400, 'bad_request', message);
export const notJson = () => new ConsoleError(415, 'unsupported_media_type', 'Send a JSON body (content-type: application/json).');
export const tooLarge = (limit: number) => new ConsoleError(413, 'too_large', `The body is over ${limit} bytes.`);
export const foreignHost = (host: string | undefined) =>
  new ConsoleError(421, 'misdirected', `The console answers only at its own loopback address, not at Host ${JSON.stringify(host ?? '')} (a page elsewhere must not reach it through DNS rebinding).`);
export const foreignOrigin = (origin: string) => new ConsoleError(403, 'foreign_origin', `A change from ${origin} is refused: only the console's own page may make one.`);
export const sessionRequired = () => new ConsoleError(401, 'session_required', 'The console needs the control token: open it in a browser and give the token, or send Authorization: Bearer <token>.');
export const noCore = () => new ConsoleError(404, 'no_core', 'This environment has no core/ settings, so no mock-core runs: nothing to show of deployments.');
export const noManagementClient = (why: string) => new ConsoleError(409, 'no_management_client', why);
/** The IdP answered the console's own token request with a refusal: the service behind it failed (a scenario, say). */
export const managementTokenRefused = (why: string) => new ConsoleError(502, 'management_token_refused', why);

export function answerError(error: unknown, res: ServerResponse): void {
  const known = error instanceof ConsoleError ? error : undefined;
  if (!known) console.error('console:', error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = known?.status ?? 500;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...known?.headers });
  res.end(JSON.stringify({ error: known?.code ?? 'internal', message: known?.message ?? `The console failed: ${(error as Error)?.message ?? String(error)}` }));
}
