import { describe, expect, it } from 'vitest';

import { base58Decode, base58Encode, BucketCipher } from './bucket-cipher.ts';

describe('bucket names', () => {
  // Computed with Core's algorithm on Java 17 (javax.crypto's PBKDF2WithHmacSHA256 and AES/CBC/PKCS5Padding,
  // Core's IV, and Core's own Base58 class): a real Core with these settings names these buckets so.
  it('are the names a real Core gives for the same encryption settings', () => {
    expect(new BucketCipher('sandbox-encryption-secret', 'sandbox-encryption-key').encrypt('Users/auth0|alice/')).toBe('CQQSoBFuspTy9sabC8yZFLVuyY5SrERauxaGibUTUqh9');
    expect(new BucketCipher('s', 'k').encrypt('Keys/project-ü/')).toBe('5FQnDgKWbK7xnp37m4GBbXFKQwPyFvAenyHVuJ3hD22w');
  });

  it('read back to their location, and a name this key did not make reads as null', () => {
    const cipher = new BucketCipher('secret', 'key');
    expect(cipher.decrypt(cipher.encrypt('Users/bob/'))).toBe('Users/bob/');
    expect(new BucketCipher('other', 'key').decrypt(cipher.encrypt('Users/bob/'))).toBeNull();
    for (const name of ['abc', '0OIl', '', 'public']) expect(cipher.decrypt(name)).toBeNull();
  });

  it('use Base58 with leading zero bytes as leading 1s', () => {
    for (const bytes of [Buffer.from([0, 0, 1, 2, 255]), Buffer.from('hello'), Buffer.alloc(0)]) expect(base58Decode(base58Encode(bytes))).toEqual(bytes);
    expect(base58Encode(Buffer.from([0, 0, 57]))).toBe('11z');
    expect(base58Decode('0')).toBeUndefined();
  });
});
