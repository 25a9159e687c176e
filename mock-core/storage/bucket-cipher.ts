/**
 * Bucket names as Core makes them (docs/dial-core.md#bucket-encryption): the bucket's location
 * (`Users/<sub>/`, `Keys/<project>/`) encrypted with AES-256-CBC under a key derived from the static settings
 * `encryption.secret` and `encryption.key`, with Core's fixed IV, written in Base58. The same settings give
 * the same names as a real Core, on every call and every restart.
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync } from 'node:crypto';

/** Core's EncryptionService: the IV built into it, and PBKDF2's rounds. */
const CORE_IV = Buffer.from([25, -13, -25, -119, -42, 117, -118, -128, -101, 20, -103, -81, -48, -23, -54, -113].map((b) => b & 0xff));
const PBKDF2_ROUNDS = 3000;

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BASE58_INDEX = new Map([...BASE58].map((c, i) => [c, i]));

export class BucketCipher {
  readonly #key: Buffer;
  /** Names are asked for on every storage request; each location's name is worked out once. */
  readonly #names = new Map<string, string>();
  readonly #locations = new Map<string, string | null>();

  constructor(secret: string, salt: string) {
    this.#key = pbkdf2Sync(Buffer.from(secret, 'utf8'), Buffer.from(salt, 'utf8'), PBKDF2_ROUNDS, 32, 'sha256');
  }

  /** The bucket name of a location. */
  encrypt(location: string): string {
    let name = this.#names.get(location);
    if (name === undefined) {
      const cipher = createCipheriv('aes-256-cbc', this.#key, CORE_IV);
      name = base58Encode(Buffer.concat([cipher.update(location, 'utf8'), cipher.final()]));
      this.#names.set(location, name);
      this.#locations.set(name, location);
    }
    return name;
  }

  /** The location a bucket name stands for; null for a name this Core did not make (Core: "Url has invalid bucket"). */
  decrypt(name: string): string | null {
    let location = this.#locations.get(name);
    if (location === undefined) {
      location = decryptOrNull(this.#key, name);
      // Only names that decrypt are kept: a caller cannot fill the cache with made-up ones.
      if (location !== null) this.#locations.set(name, location);
    }
    return location;
  }
}

/**
 * No name of a real bucket is longer: a location fits a 900-byte storage key, so its ciphertext is under
 * 1 KiB, ~1,250 Base58 characters. Longer text is refused before Base58's quadratic decoding sees it.
 */
const MAX_NAME_LENGTH = 1300;

function decryptOrNull(key: Buffer, name: string): string | null {
  if (name.length > MAX_NAME_LENGTH) return null;
  const bytes = base58Decode(name);
  if (!bytes || bytes.length === 0 || bytes.length % 16 !== 0) return null;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, CORE_IV);
    return Buffer.concat([decipher.update(bytes), decipher.final()]).toString('utf8');
  } catch {
    return null; // bad padding: not a name made under this key
  }
}

/** Bitcoin's Base58, as Core's Base58 class writes it: leading zero bytes become leading "1"s. */
export function base58Encode(bytes: Buffer): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let value = BigInt(`0x${bytes.toString('hex') || '0'}`);
  let text = '';
  while (value > 0n) {
    text = BASE58[Number(value % 58n)] + text;
    value /= 58n;
  }
  return '1'.repeat(zeros) + text;
}

export function base58Decode(text: string): Buffer | undefined {
  let value = 0n;
  for (const c of text) {
    const digit = BASE58_INDEX.get(c);
    if (digit === undefined) return undefined;
    value = value * 58n + BigInt(digit);
  }
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  const hex = value === 0n ? '' : value.toString(16);
  return Buffer.concat([Buffer.alloc(zeros), Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex')]);
}
