/**
 * GET /__control/log (the entries), DELETE /__control/log (forget them): the sandbox's own window on Core's
 * decisions; POST /__control/reset: the stored resources and shares removed. Real Core has no such paths
 * (it answers 502 "No route" there).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { CONTROL_CHALLENGE, CONTROL_TOKEN_REQUIRED, controlAllowed } from '../../common/control-token.ts';
import type { CoreState } from '../exchange.ts';
import { sendJson, sendText } from '../http.ts';

export function controlLog(req: IncomingMessage, res: ServerResponse, { requestLog, controlToken }: CoreState): void {
  if (!controlAllowed(req.headers, controlToken)) return sendText(res, 401, CONTROL_TOKEN_REQUIRED, CONTROL_CHALLENGE);
  if (req.method === 'DELETE') requestLog.clear();
  sendJson(res, 200, requestLog.entries());
}

export async function controlReset(req: IncomingMessage, res: ServerResponse, { storage, controlToken }: CoreState): Promise<void> {
  if (!controlAllowed(req.headers, controlToken)) return sendText(res, 401, CONTROL_TOKEN_REQUIRED, CONTROL_CHALLENGE);
  if (req.method !== 'POST') return sendText(res, 405, '', { allow: 'POST' });
  sendJson(res, 200, { resources: await storage.clear() });
}
