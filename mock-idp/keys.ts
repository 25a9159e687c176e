/**
 * The tenant's signing keys, kept under the state folder so that `kid`s survive restarts. Auth0 signs with
 * one key at a time and publishes the current and the next one, plus the previous one until it is revoked
 * (docs/auth0.md#signing-keys); each is an RSA JWK with `x5c`/`x5t` from a self-signed certificate.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { writeFileAtomic } from '../common/atomic-file.ts';
import { certificateDerBase64, certificatePkcs7, createRsaKeyPair, issueCertificate } from './certificates.ts';
import { ManagementError } from './errors.ts';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The entry of /.well-known/jwks.json. */
  publicJwk: PublicJwk;
  certificatePem: string;
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

/** A key as `GET /api/v2/keys/signing` shows it. */
export interface ManagementSigningKey {
  kid: string;
  cert: string;
  pkcs7: string;
  current: boolean;
  next: boolean;
  previous: boolean;
  current_since?: string;
  current_until?: string;
  fingerprint: string;
  thumbprint: string;
  revoked: boolean;
  revoked_at?: string;
}

interface StoredKey {
  kid: string;
  privateKeyPem: string;
  certificatePem: string;
  current_since?: string;
  current_until?: string;
  revoked_at?: string;
}

/** The file: one list, oldest first; the last is next, the one before it current, the rest previous. */
interface StoredRing {
  keys: StoredKey[];
}

const FILE = 'signing-keys.json';

export function loadOrCreateSigningKeys(stateDir: string, domain: string): SigningKeys {
  return new SigningKeys(join(stateDir, 'keys', FILE), domain);
}

export class SigningKeys {
  readonly #file: string;
  readonly #domain: string;
  #ring: StoredRing;
  readonly #loaded = new Map<string, SigningKey>();

  constructor(file: string, domain: string) {
    this.#file = file;
    this.#domain = domain;
    this.#ring = existsSync(file) ? readRing(file) : { keys: [] };
    if (this.#ring.keys.length < 2) {
      this.#ring = { keys: [{ ...createStoredKey(domain), current_since: new Date().toISOString() }, createStoredKey(domain)] };
      this.#save();
    }
  }

  /** The key that signs. */
  get current(): SigningKey {
    return this.#key(this.#ring.keys.at(-2)!);
  }

  /** The key that signs after the next rotation, published ahead so caches know it. */
  get next(): SigningKey {
    return this.#key(this.#ring.keys.at(-1)!);
  }

  /** What /.well-known/jwks.json lists: current, next, then the previous keys not yet revoked. */
  published(): SigningKey[] {
    const previous = this.#ring.keys.slice(0, -2).filter((k) => !k.revoked_at).reverse();
    return [this.current, this.next, ...previous.map((k) => this.#key(k))];
  }

  /** A published key by its `kid` (a revoked key is no longer one). */
  find(kid: string | undefined): SigningKey | undefined {
    return this.published().find((k) => k.kid === kid);
  }

  /** Auth0's rotation: next becomes current, a new next is made, the old current becomes previous. */
  rotate(now = new Date()): SigningKey {
    const at = now.toISOString();
    const [current, next] = this.#ring.keys.slice(-2) as [StoredKey, StoredKey];
    current.current_until = at;
    next.current_since = at;
    this.#ring.keys.push(createStoredKey(this.#domain));
    this.#save();
    return this.current;
  }

  /** Auth0's revocation: only a previous key can be revoked; it leaves the JWKS at once. */
  revoke(kid: string, now = new Date()): ManagementSigningKey {
    const index = this.#ring.keys.findIndex((k) => k.kid === kid);
    if (index < 0) throw new ManagementError(404, 'Signing key not found', 'inexistent_signing_key');
    if (index >= this.#ring.keys.length - 2) throw new ManagementError(400, 'The current and the next signing keys cannot be revoked; rotate first.', 'invalid_body');
    const key = this.#ring.keys[index]!;
    if (key.revoked_at) throw new ManagementError(409, 'The signing key has already been revoked', 'operation_not_supported');
    key.revoked_at = now.toISOString();
    this.#save();
    return this.describe(kid);
  }

  /** Every key, newest first, as the Management API lists them. */
  list(): ManagementSigningKey[] {
    return this.#ring.keys.map((stored) => this.describe(stored.kid)).reverse();
  }

  /** One key as the Management API shows it. */
  describe(kid: string): ManagementSigningKey {
    const index = this.#ring.keys.findIndex((k) => k.kid === kid);
    const stored = this.#ring.keys[index];
    if (!stored) throw new ManagementError(404, 'Signing key not found', 'inexistent_signing_key');
    const key = this.#key(stored);
    const last = this.#ring.keys.length - 1;
    const thumbprint = Buffer.from(key.publicJwk.x5t, 'base64url').toString('hex');
    return {
      kid,
      cert: stored.certificatePem,
      pkcs7: certificatePkcs7(stored.certificatePem),
      current: index === last - 1,
      next: index === last,
      previous: index < last - 1,
      current_since: stored.current_since,
      current_until: stored.current_until,
      fingerprint: thumbprint.toUpperCase().match(/../g)!.join(':'),
      thumbprint,
      revoked: Boolean(stored.revoked_at),
      revoked_at: stored.revoked_at,
    };
  }

  #key(stored: StoredKey): SigningKey {
    let key = this.#loaded.get(stored.kid);
    if (!key) this.#loaded.set(stored.kid, (key = toSigningKey(stored)));
    return key;
  }

  #save(): void {
    writeFileAtomic(this.#file, `${JSON.stringify(this.#ring, null, 2)}\n`, 0o600);
  }
}

/** Reads the ring; a file from before rotation existed (`{current, next}`) is read as a ring of two. */
function readRing(file: string): StoredRing {
  const data = JSON.parse(readFileSync(file, 'utf8')) as StoredRing | { current: StoredKey; next: StoredKey };
  return 'keys' in data ? data : { keys: [data.current, data.next] };
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
  return { kid, privateKey, publicKey, certificatePem, publicJwk: { kty: 'RSA', use: 'sig', alg: 'RS256', n, e, kid, x5t, x5c: [der] } };
}
