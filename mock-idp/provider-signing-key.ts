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

  override async sign(data: Buffer): Promise<Buffer> {
    return sign('sha256', data, this.#keys.current.privateKey);
  }
}
