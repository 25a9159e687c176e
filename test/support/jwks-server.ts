/**
 * A JWKS the test controls (keys, outages) and tokens signed with its keys or forged at will, for testing how
 * mock-core verifies tokens independently of mock-idp.
 */
import { createHmac, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function makeKey(kid: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey };
}

export interface JwksServer {
  url: string;
  /** The keys it publishes. */
  keys: TestKey[];
  /** When set, the status it answers with instead of the JWKS. */
  failWith: number | undefined;
  /** How many times the JWKS was fetched. */
  fetches: number;
  stop(): Promise<void>;
}

export async function startJwksServer(keys: TestKey[]): Promise<JwksServer> {
  const state = { keys, failWith: undefined as number | undefined, fetches: 0 };
  const server = http.createServer((_req, res) => {
    state.fetches++;
    if (state.failWith) return void res.writeHead(state.failWith).end();
    const jwks = { keys: state.keys.map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, use: 'sig', alg: 'RS256' })) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    stop: () => new Promise<void>((done) => server.close(() => done())),
  });
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** An RS256 token; header and payload exactly as given (defaults: typ JWT, the key's kid). */
export function signToken(key: TestKey, payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })}.${b64(payload)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key.privateKey).toString('base64url');
  return `${input}.${signature}`;
}

/** HS256 with the public key's PEM as the secret: the classic algorithm-confusion forgery. */
export function hs256WithPublicKey(key: TestKey, payload: Record<string, unknown>): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${b64(payload)}`;
  const secret = key.publicKey.export({ type: 'spki', format: 'pem' });
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export const unsigned = (header: unknown, payload: unknown, signature = '') => `${b64(header)}.${b64(payload)}.${signature}`;
