/**
 * The opt-in control token (`--control-token`, SANDBOX_CONTROL_TOKEN). With one set, every /__control
 * endpoint of every service wants `Authorization: Bearer <token>`; without one, they answer anyone who
 * reaches the port (the services bind to 127.0.0.1 unless told otherwise).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const CONTROL_TOKEN_ENV = 'SANDBOX_CONTROL_TOKEN';

/** What a refused request is told, in each service's own error shape. */
export const CONTROL_TOKEN_REQUIRED =
  `This /__control endpoint needs the sandbox's control token: send Authorization: Bearer <token>, the token the sandbox was started with (--control-token or ${CONTROL_TOKEN_ENV}).`;

/** The header a refusal carries (RFC 6750). */
export const CONTROL_CHALLENGE = { 'www-authenticate': 'Bearer realm="dial-sandbox control"' };

/** Whether a request may use the control endpoints: no token is set, or the request carries it. */
export function controlAllowed(headers: IncomingHttpHeaders, token: string | undefined): boolean {
  if (token === undefined) return true;
  const authorization = headers.authorization ?? '';
  if (!/^bearer /i.test(authorization)) return false;
  return sameToken(authorization.slice('bearer '.length), token);
}

/** Whether `given` is the control token: compared as digests (equal lengths, as timingSafeEqual needs, and nothing that times how much matched). */
export function sameToken(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
