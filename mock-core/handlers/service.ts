/** The routes Core answers before authentication (docs/dial-core.md#before-authentication). */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { header, sendText } from '../http.ts';

/** 200, empty. (Core 0.39 also PINGs Redis here; the emulator has none to ping.) */
export function health(_req: IncomingMessage, res: ServerResponse): void {
  sendText(res, 200);
}

export function version(_req: IncomingMessage, res: ServerResponse, coreVersion: string): void {
  sendText(res, 200, coreVersion);
}

/** CORS preflight: 200, empty, no authentication. */
export function preflight(req: IncomingMessage, res: ServerResponse): void {
  const echo: Record<string, string> = { 'access-control-max-age': '86400' };
  const methods = header(req, 'access-control-request-method');
  const headers = header(req, 'access-control-request-headers');
  if (methods) echo['access-control-allow-methods'] = methods;
  if (headers) echo['access-control-allow-headers'] = headers;
  sendText(res, 200, '', echo);
}
