import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';

import type { SigningKeys } from './keys.ts';

/** Verifies a JWT the tenant issued: RS256, a key the JWKS publishes now, issuer and audience. */
export async function verifyTenantJwt(token: string, keys: SigningKeys, expected: { issuer: string; audience: string }): Promise<JWTPayload | undefined> {
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    return undefined;
  }
  const key = keys.find(kid);
  if (!key) return undefined;
  try {
    return (await jwtVerify(token, key.publicKey, { ...expected, algorithms: ['RS256'] })).payload;
  } catch {
    return undefined;
  }
}
