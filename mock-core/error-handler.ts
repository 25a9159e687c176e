/**
 * mock-core's one error handler, last on the server: Core's own errors (DialError) as Core words them;
 * anything else a 500 whose stack goes to the log only, with the body Core would send.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Logger } from '../common/log.ts';
import { DialError } from './errors.ts';
import { sendText } from './http.ts';
import type { RequestNotes } from './request-log-entry.ts';

/** `pathname`: the request's, once read (an unexpected failure on a deployment call names the deployment). */
export function answerError(error: unknown, req: IncomingMessage, res: ServerResponse, log: Logger, notes: RequestNotes, pathname: string | undefined): void {
  if (res.headersSent) {
    // Mid-answer there is no status left to send: the caller sees the answer cut, as from Core.
    res.destroy();
  } else if (error instanceof DialError) {
    notes.reason = error.body || `HTTP ${error.status}`;
    notes.cause = error.explanation;
    sendText(res, error.status, error.body, error.headers);
  } else {
    log.error(`${req.method} ${req.url} failed: ${(error as Error | undefined)?.stack ?? String(error)}`);
    // Core's DeploymentPostController words its unexpected failures so; Proxy's handleError sends nothing.
    const deployment = /\/openai\/deployments\/([^/]+)\//.exec(pathname ?? '')?.[1];
    sendText(res, 500, deployment ? `Failed to process deployment: ${deployment}` : '');
  }
}
