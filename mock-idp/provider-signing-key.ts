/**
 * oidc-provider's keystore is fixed when the Provider is built, but Auth0 rotates keys at run time. This one
 * external key stands for "the tenant's current key": its `kid` and key material follow the ring, so ID and
 * access tokens are signed by whichever key is current at the moment.
 */
import { sign, type KeyObject } from 'node:crypto';

import { ExternalSigningKey } from 'oidc-provider';

import type { SigningKeys } from './keys.ts';

export class CurrentSigningKey extends ExternalSigningKey {
  readonly #keys: SigningKeys;

  constructor(keys: SigningKeys) {
    super();
    this.#keys = keys;
  }

  override get alg(): string {
    return 'RS256';
  }

  override get kid(): string {
    return this.#keys.current.kid;
  }

  override get kty(): string {
    return 'RSA';
  }

  override get n(): string {
    return this.#keys.current.publicJwk.n;
  }

  override get e(): string {
    return this.#keys.current.publicJwk.e;
  }

  override keyObject(): KeyObject {
    return this.#keys.current.publicKey;
  }

  // The callback form signs on libuv's thread pool, as jose's WebCrypto does; the synchronous one held the
  // event loop for each RSA signature and cost a third of the token endpoint's throughput.
  override sign(data: Buffer): Promise<Buffer> {
    const key = this.#keys.current.privateKey;
    return new Promise((resolve, reject) => sign('sha256', data, key, (error, signature) => (error ? reject(error) : resolve(signature))));
  }
}
