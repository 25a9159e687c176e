/**
 * mock-models' one error handler, last on the server: OpenAI's errors as they are; a path that is not valid
 * %-encoding, OpenAI's 400; anything else a 500 whose stack goes to the log only, and whose body says only that.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Logger } from '../common/log.ts';
import { OpenAIError } from './errors.ts';
import { sendError } from './http.ts';

export function answerError(error: unknown, req: IncomingMessage, res: ServerResponse, log: Logger): void {
  if (res.headersSent) {
    // Mid-stream there is no status left to send: the client sees the stream cut.
    res.destroy();
  } else if (error instanceof OpenAIError) {
    sendError(res, error);
  } else if (error instanceof URIError) {
    sendError(res, new OpenAIError(400, `The path ${req.url} is not valid URL encoding.`));
  } else {
    log.error(`${req.method} ${req.url} failed: ${(error as Error | undefined)?.stack ?? String(error)}`);
    sendError(res, new OpenAIError(500, 'The stub model failed; the mock-models log has the details.'));
  }
}
