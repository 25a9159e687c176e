/**
 * JWTs as java-jwt 4.4 (Core's library) decodes and verifies them: three base64url parts, JSON objects,
 * numeric dates; RS256 only; `exp`, `nbf` and `iat` against the clock with zero leeway
 * (docs/dial-core.md#jwt-verification).
 */
import { createVerify, type KeyObject } from 'node:crypto';

import { spanInWords } from '../../common/time-span.ts';
import { TokenRejection } from './token-rejection.ts';

export interface DecodedJwt {
  token: string;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** java-jwt's JWTDecodeException: the token is not a JWT at all (Core then tries userinfo providers). */
export class JwtDecodeError extends TokenRejection {}
/** A JWT that decodes but fails verification. */
export class JwtVerificationError extends TokenRejection {}

const DATE_CLAIMS = ['exp', 'nbf', 'iat'];

/** Java's Base64.getUrlDecoder(): the URL alphabet, padding allowed; a '+' or '/' is an error. */
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtDecodeError(`The token was expected to have 3 parts, but got ${parts.length}.`);
  if (!parts.every((part) => BASE64URL.test(part))) throw new JwtDecodeError('Illegal base64url character in the token.');
  const [header, payload] = [parts[0]!, parts[1]!].map((part, i) => {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    } catch {
      throw new JwtDecodeError(`The string '${part.slice(0, 40)}' doesn't have a valid JSON format.`);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new JwtDecodeError(`The ${i === 0 ? 'header' : 'payload'} is not a JSON object.`);
    return value as Record<string, unknown>;
  });
  for (const claim of DATE_CLAIMS) checkNumericDate(claim, payload![claim]);
  return { token, header: header!, payload: payload!, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') };
}

/** Java's Instant.MIN and Instant.MAX, in seconds (the years -1,000,000,000 and 1,000,000,000). */
const INSTANT_SECONDS = { min: -31_557_014_167_219_200, max: 31_556_889_864_403_199 };

/**
 * java-jwt 4.4 (PayloadDeserializer.getInstantFromSeconds) reads a NumericDate as Jackson's `asLong()`: a
 * number a long cannot hold (`canConvertToLong()`: beyond ±2^63, so 1e19 and 1e308) does not decode; then
 * `Instant.ofEpochSecond`, which throws DateTimeException past Instant's range. Either way Core answers 401.
 * https://github.com/auth0/java-jwt/blob/4.4.0/lib/src/main/java/com/auth0/jwt/impl/PayloadDeserializer.java
 */
function checkNumericDate(claim: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || value < -(2 ** 63) || value > 2 ** 63) throw new JwtDecodeError(`The claim '${claim}' contained a non-numeric date value.`);
  if (value < INSTANT_SECONDS.min || value > INSTANT_SECONDS.max) throw new JwtVerificationError(`Instant exceeds minimum or maximum instant (the claim '${claim}').`);
}

/** A NumericDate as java-jwt holds it: whole seconds, the fraction cut (a long). */
const seconds = (value: number | undefined | null): number | undefined => (value === undefined || value === null ? undefined : Math.trunc(value));

/** An instant for a message; Java prints years past JavaScript's Date range too. */
function instantText(at: number): string {
  const date = new Date(at * 1000);
  return Number.isNaN(date.getTime()) ? `${at} seconds after 1970-01-01T00:00:00Z` : date.toISOString();
}

/**
 * Algorithm.RSA256 + JWTVerifier defaults, and `aud` when Core's provider has `audience`. `signatureVerified`:
 * this token's signature was already verified with this very key (the RSA step is skipped, nothing else).
 */
export function verifyJwt(jwt: DecodedJwt, key: KeyObject, nowMs: number, audience?: string, signatureVerified = false): void {
  const { alg, kid } = jwt.header;
  if (alg !== 'RS256') throw new JwtVerificationError(`The provided Algorithm doesn't match the one defined in the JWT's Header.`, `${alg === undefined ? 'the header names no alg' : `alg ${typeof alg === 'string' ? alg : JSON.stringify(alg)}`}: Core takes RS256 only`);
  if (key.asymmetricKeyType !== 'rsa') throw new JwtVerificationError('The key is not an RSA public key.', `the key with kid ${String(kid)} is ${key.asymmetricKeyType ?? 'not an asymmetric key'}, not RSA: Core takes RS256 only`);
  if (!signatureVerified) {
    const verifier = createVerify('RSA-SHA256');
    verifier.update(jwt.signingInput);
    if (!verifier.verify(key, jwt.signature)) throw new JwtVerificationError("The Token's Signature resulted invalid when verified using the Algorithm: SHA256withRSA", `the signature does not verify with the key kid ${String(kid)}`);
  }
  const now = Math.floor(nowMs / 1000);
  const payload = jwt.payload as { exp?: number; nbf?: number; iat?: number };
  const [exp, nbf, iat] = [seconds(payload.exp), seconds(payload.nbf), seconds(payload.iat)];
  if (exp !== undefined && now >= exp) throw new JwtVerificationError(`The Token has expired on ${instantText(exp)}.`, `expired ${spanInWords(now - exp)} ago (exp ${instantText(exp)})`);
  if (nbf !== undefined && now < nbf) throw new JwtVerificationError(`The Token can't be used before ${instantText(nbf)}.`, `not valid yet: nbf ${instantText(nbf)} is ${spanInWords(nbf - now)} ahead of Core's clock`);
  if (iat !== undefined && now < iat) throw new JwtVerificationError(`The Token can't be used before ${instantText(iat)}.`, `issued in the future: iat ${instantText(iat)} is ${spanInWords(iat - now)} ahead of Core's clock`);
  if (audience !== undefined) {
    const aud = jwt.payload.aud;
    const audiences = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
    if (!audiences.includes(audience)) throw new JwtVerificationError(`The Claim 'aud' value doesn't contain the required audience.`, `${aud === undefined ? 'the token has no aud' : `aud is ${JSON.stringify(audiences)}`}, the provider wants ${JSON.stringify(audience)}`);
  }
}
