/** Access tokens as the token-* scenarios spoil them, re-signed (or not) accordingly. */
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';

import { SignJWT, decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';

import type { SigningKeys } from '../keys.ts';

/** A token just issued, as a spoiler sees it. */
export interface IssuedToken {
  header: ProtectedHeaderParameters;
  payload: JWTPayload;
  /** Seconds since the epoch: the token's iat (it was just issued), else the sandbox clock's now. */
  now: number;
  keys: SigningKeys;
  /** `claims` signed RS256 with `key` (the current key by default), the header naming `kid`. */
  resign(claims: JWTPayload, key?: KeyObject, kid?: string): Promise<string>;
}

/** Turns an access token into the spoiled one. */
export type Spoil = (token: IssuedToken) => Promise<string> | string;

let unpublished: { kid: string; privateKey: KeyObject } | undefined;

/** Made on first use, never published, never kept: a key no JWKS will ever have. */
function unpublishedKey() {
  unpublished ??= { kid: 'sandbox-unpublished-key', privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey };
  return unpublished;
}

export const signWithUnpublishedKey: Spoil = ({ payload, keys, resign }) => resign(payload, unpublishedKey().privateKey, keys.current.kid);

/** The algorithm-confusion forgery: HMAC-SHA256 with the public key's PEM as the secret. */
export const signHs256WithPublicKey: Spoil = ({ header, payload, keys }) => {
  const input = `${encode({ ...header, alg: 'HS256' })}.${encode(payload)}`;
  const secret = keys.current.publicKey.export({ type: 'spki', format: 'pem' });
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};

export const unsigned: Spoil = ({ header, payload }) => `${encode({ ...header, alg: 'none' })}.${encode(payload)}.`;

/** `token` as `spoil` makes it; a token that is not a JWT (an opaque one) is left as it is. */
export async function spoilToken(token: string, spoil: Spoil, keys: SigningKeys, nowMs: number): Promise<string> {
  if (token.split('.').length !== 3) return token;
  const header = decodeProtectedHeader(token);
  const payload = decodeJwt(token);
  const now = typeof payload.iat === 'number' ? payload.iat : Math.floor(nowMs / 1000);
  const resign = (claims: JWTPayload, key = keys.current.privateKey, kid = keys.current.kid) =>
    new SignJWT(claims).setProtectedHeader({ ...header, alg: 'RS256', kid }).sign(key);
  return spoil({ header, payload, now, keys, resign });
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
