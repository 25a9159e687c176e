/** Access tokens as the tenant's own endpoints take them (/userinfo, the Management API). */
import type { IncomingHttpHeaders } from 'node:http';

import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';

import type { SigningKeys } from './keys.ts';

/** The token of `Authorization: Bearer <token>` (RFC 6750 §2.1), if the request sends one. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
}

/** Verifies a JWT the tenant issued: RS256, a key the JWKS publishes now, issuer and audience. */
export async function verifyTenantJwt(token: string, keys: SigningKeys, expected: { issuer: string; audience: string; now: number }): Promise<JWTPayload | undefined> {
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    return undefined;
  }
  const key = keys.find(kid);
  if (!key) return undefined;
  try {
    const { issuer, audience, now } = expected;
    return (await jwtVerify(token, key.publicKey, { issuer, audience, currentDate: new Date(now), algorithms: ['RS256'] })).payload;
  } catch {
    return undefined;
  }
}
