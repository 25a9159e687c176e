/** Access tokens as the token-* scenarios spoil them, re-signed (or not) accordingly. */
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';

import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';

import type { SigningKeys } from '../keys.ts';
import type { ScenarioName } from './catalog.ts';

let unpublished: { kid: string; privateKey: KeyObject } | undefined;

/** Made on first use, never published, never kept: a key no JWKS will ever have. */
function unpublishedKey() {
  unpublished ??= { kid: 'sandbox-unpublished-key', privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey };
  return unpublished;
}

export async function mutateToken(token: string, scenario: ScenarioName, keys: SigningKeys): Promise<string> {
  if (!scenario.startsWith('token-') || token.split('.').length !== 3) return token;
  const header = decodeProtectedHeader(token);
  const payload = decodeJwt(token);
  // The token was just issued: its iat is the sandbox clock's now.
  const now = typeof payload.iat === 'number' ? payload.iat : Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, key = keys.current.privateKey, kid = keys.current.kid) =>
    new SignJWT(claims).setProtectedHeader({ ...header, alg: 'RS256', kid }).sign(key);
  switch (scenario) {
    case 'token-unpublished-key':
      return sign(payload, unpublishedKey().privateKey, keys.current.kid);
    case 'token-issuer-no-slash':
      return sign({ ...payload, iss: String(payload.iss).replace(/\/$/, '') });
    case 'token-unknown-kid':
      return sign(payload, keys.current.privateKey, 'kid-nobody-published');
    case 'token-wrong-aud':
      return sign({ ...payload, aud: 'https://another-api.example/' });
    case 'token-expired':
      return sign({ ...payload, iat: now - 3_660, exp: now - 60 });
    case 'token-nbf-future':
      return sign({ ...payload, nbf: now + 3_600 });
    case 'token-alg-hs256': {
      const input = `${encode({ ...header, alg: 'HS256' })}.${encode(payload)}`;
      const secret = keys.current.publicKey.export({ type: 'spki', format: 'pem' });
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    }
    case 'token-alg-none':
      return `${encode({ ...header, alg: 'none' })}.${encode(payload)}.`;
    default:
      return token;
  }
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
