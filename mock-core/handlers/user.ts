/** GET /v1/user/info and GET /v1/bucket (docs/dial-core.md#user-info-and-bucket). */
import { createHash } from 'node:crypto';

import type { CoreExchange } from '../exchange.ts';
import { sendJson, sendText } from '../http.ts';

/** Core sends this JSON without a Content-Type. */
export function userInfo({ res, caller }: CoreExchange): void {
  const body = caller.kind === 'user' ? { roles: caller.roles, userClaims: caller.userClaims } : { roles: caller.roles, project: caller.project };
  sendText(res, 200, JSON.stringify(body));
}

/**
 * The caller's storage bucket. Core encrypts `Users/<sub>/` or `Keys/<project>/`; any stable alphanumeric
 * string serves, and DIAL Chat cannot start without one.
 */
export function bucket({ res, caller }: CoreExchange): void {
  const location = caller.kind === 'user' ? `Users/${caller.sub ?? ''}/` : `Keys/${caller.project}/`;
  sendJson(res, 200, { bucket: createHash('sha256').update(location).digest('base64url').replace(/[^a-zA-Z0-9]/g, '').slice(0, 32) });
}
