/** GET /v1/user/info and GET /v1/bucket (docs/dial-core.md#user-info-and-bucket). */
import type { CoreExchange } from '../exchange.ts';
import { sendJson, sendText } from '../http.ts';
import { encodeSegment } from '../storage/resource-url.ts';
import { initiatorLocation } from '../storage/locations.ts';

/** Core sends this JSON without a Content-Type. */
export function userInfo({ res, caller }: CoreExchange): void {
  const body = caller.kind === 'user' ? { roles: caller.roles, userClaims: caller.userClaims } : { roles: caller.roles, project: caller.project };
  sendText(res, 200, JSON.stringify(body));
}

/**
 * The caller's storage bucket (docs/dial-core.md#bucket-answer): with a per-request key, the deployment's own
 * bucket and the deployment's folder in the user's bucket (`appdata`).
 */
export function bucket({ res, caller, core }: CoreExchange): void {
  const { storage } = core;
  const appdata = caller.perRequest && `${storage.cipher.encrypt(initiatorLocation(caller))}/appdata/${caller.perRequest.deployment.split('/').map(encodeSegment).join('/')}`;
  sendJson(res, 200, { bucket: storage.bucketOf(caller), ...(appdata && { appdata }) });
}
