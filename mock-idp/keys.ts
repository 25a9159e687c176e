/**
 * The tenant's signing keys, kept under the state folder so that `kid`s survive restarts. Auth0 signs with
 * one key at a time and publishes the current and the next one (reference auth0-and-mock-idps.md §2.5), each
 * as an RSA JWK with `x5c`/`x5t` from a self-signed certificate.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { writeFileAtomic } from '../common/atomic-file.ts';
import { certificateDerBase64, createRsaKeyPair, issueCertificate } from './certificates.ts';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The entry of /.well-known/jwks.json. */
  publicJwk: PublicJwk;
  /** The private JWK, for oidc-provider's keystore. */
  privateJwk: Record<string, unknown>;
}

export interface PublicJwk {
  kty: 'RSA';
  use: 'sig';
  alg: 'RS256';
  n: string;
  e: string;
  kid: string;
  x5t: string;
  x5c: string[];
}

export interface SigningKeys {
  current: SigningKey;
  next: SigningKey;
}

interface StoredKey {
  kid: string;
  privateKeyPem: string;
  certificatePem: string;
}

const FILE = 'signing-keys.json';

export function loadOrCreateSigningKeys(stateDir: string, domain: string): SigningKeys {
  const file = join(stateDir, 'keys', FILE);
  let stored: { current: StoredKey; next: StoredKey } | undefined;
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8'));
  if (!stored) {
    stored = { current: createStoredKey(domain), next: createStoredKey(domain) };
    writeFileAtomic(file, `${JSON.stringify(stored, null, 2)}\n`, 0o600);
  }
  return { current: toSigningKey(stored.current), next: toSigningKey(stored.next) };
}

function createStoredKey(domain: string): StoredKey {
  const key = createRsaKeyPair();
  // Auth0's kids are 22 url-safe characters; its certificates are self-signed for the tenant's domain.
  const kid = randomBytes(16).toString('base64url').slice(0, 22);
  const certificatePem = issueCertificate({ commonName: domain.replace(/:\d+$/, ''), key, days: 3650 });
  return { kid, privateKeyPem: key.privateKeyPem, certificatePem };
}

function toSigningKey({ kid, privateKeyPem, certificatePem }: StoredKey): SigningKey {
  const privateKey = createPrivateKey(privateKeyPem);
  const publicKey = createPublicKey(privateKey);
  const { n, e } = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  const der = certificateDerBase64(certificatePem);
  const x5t = createHash('sha1').update(Buffer.from(der, 'base64')).digest('base64url');
  return {
    kid,
    privateKey,
    publicKey,
    publicJwk: { kty: 'RSA', use: 'sig', alg: 'RS256', n, e, kid, x5t, x5c: [der] },
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
  };
}
