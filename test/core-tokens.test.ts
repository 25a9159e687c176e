import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ManualClock } from '../common/clock.ts';
import type { Core } from '../mock-core/core.ts';
import { call, startCoreWith } from './support/core-alone.ts';
import { hs256WithPublicKey, makeKey, signToken, startJwksServer, unsigned, type JwksServer, type TestKey } from './support/jwks-server.ts';

// docs/dial-core.md#provider-choice, docs/dial-core.md#jwt-verification, docs/dial-core.md#jwks-cache,
// docs/dial-core.md#role-path, docs/dial-core.md#credentials.
describe('mock-core token verification, as Core 0.39 (java-jwt 4.4, jwks-rsa 0.22)', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
  const now = Math.floor(clock.now() / 1000);
  let jwks: JwksServer;
  let core: Core;
  let key: TestKey;
  let unpublished: TestKey;
  const good = (extra: Record<string, unknown> = {}) => ({ sub: 'auth0|alice', iss: 'https://anything.example/', roles: ['r1'], exp: now + 600, iat: now - 10, ...extra });

  beforeAll(async () => {
    key = makeKey('key-a');
    unpublished = makeKey('key-a'); // same kid, another key
    jwks = await startJwksServer([key]);
    core = await startCoreWith(
      { identityProviders: { test: { jwksUrl: jwks.url, rolePath: 'roles' } } },
      { models: { m: { type: 'chat', endpoint: 'http://127.0.0.1:1/unused' } } },
      clock,
    );
  });
  afterAll(async () => {
    await core?.stop();
    await jwks?.stop();
  });

  const userInfo = (authorization: string) => call(`${core.url}/v1/user/info`, { headers: { authorization } });

  it('accepts a well-signed RS256 token whatever its issuer (one provider: issuerPattern is not consulted)', async () => {
    const answer = await userInfo(`Bearer ${signToken(key, good())}`);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).roles).toEqual(['r1']);
    expect(answer.contentType).toBeNull();
  });

  it('does not check the scheme of the Authorization header, only its second word', async () => {
    expect((await userInfo(`Basic ${signToken(key, good())}`)).status).toBe(200);
  });

  it('authenticates a token whose roles claim has the wrong type, with no roles', async () => {
    const answer = await userInfo(`Bearer ${signToken(key, good({ roles: 42 }))}`);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).roles).toEqual([]);
  });

  const forged: [string, () => string][] = [
    ['not a JWT at all', () => 'opaque-token-value'],
    ['two parts', () => 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0'],
    ['four parts', () => `${signToken(key, good())}.extra`],
    ['a header that is not base64url JSON', () => `!!!.${signToken(key, good()).split('.').slice(1).join('.')}`],
    ['a header that is a JSON array', () => unsigned([1, 2], good(), 'x')],
    ['a header that is a JSON string', () => unsigned('RS256', good(), 'x')],
    ['a payload that is not JSON', () => `${signToken(key, good()).split('.')[0]}.bm90IGpzb24.x`],
    ['a payload that is a JSON array', () => unsigned({ alg: 'RS256', kid: 'key-a' }, ['sub'], 'x')],
    ['a payload that is null', () => unsigned({ alg: 'RS256', kid: 'key-a' }, null, 'x')],
    ['alg none without a signature', () => unsigned({ alg: 'none', kid: 'key-a' }, good())],
    ['alg none with a signature', () => unsigned({ alg: 'none', kid: 'key-a' }, good(), 'c2ln')],
    ['HS256 signed with the public key as the secret', () => hs256WithPublicKey(key, good())],
    ['an RS256 signature under an RS384 header', () => signToken(key, good(), { alg: 'RS384' })],
    ['an RS256 signature under a PS256 header', () => signToken(key, good(), { alg: 'PS256' })],
    ['an ES256 header', () => signToken(key, good(), { alg: 'ES256' })],
    ['no alg', () => signToken(key, good(), { alg: undefined })],
    ['no kid', () => signToken(key, good(), { kid: undefined })],
    ['a kid the JWKS does not have', () => signToken(key, good(), { kid: 'key-z' })],
    ['a numeric kid', () => signToken(key, good(), { kid: 7 })],
    ['a key that is not published, under a published kid', () => signToken(unpublished, good())],
    ['a truncated signature', () => signToken(key, good()).slice(0, -10)],
    ['an empty signature', () => `${signToken(key, good()).split('.').slice(0, 2).join('.')}.`],
    ['the signature of another token', () => `${signToken(key, good()).split('.').slice(0, 2).join('.')}.${signToken(key, good({ sub: 'x' })).split('.')[2]}`],
    ['a payload changed after signing', () => { const [h, , s] = signToken(key, good()).split('.'); return `${h}.${Buffer.from(JSON.stringify(good({ roles: ['admin'] }))).toString('base64url')}.${s}`; }],
    ['an expired token', () => signToken(key, good({ exp: now - 1 }))],
    ['exp equal to now (Core: expired)', () => signToken(key, good({ exp: now }))],
    ['nbf in the future', () => signToken(key, good({ nbf: now + 1 }))],
    ['iat in the future', () => signToken(key, good({ iat: now + 1 }))],
    ['exp as a string', () => signToken(key, good({ exp: String(now + 600) }))],
    ['nbf as a string', () => signToken(key, good({ nbf: 'yesterday' }))],
    ['iat as an object', () => signToken(key, good({ iat: { at: now } }))],
    ['exp as a boolean', () => signToken(key, good({ exp: true }))],
    // java-jwt reads NumericDates as a Java long, then an Instant (±1e9 years): larger values do not decode.
    ['exp 1e19, more than a long holds', () => signToken(key, good({ exp: 1e19 }))],
    ['exp 1e308', () => signToken(key, good({ exp: 1e308 }))],
    ['exp -1e19', () => signToken(key, good({ exp: -1e19 }))],
    ['exp 1e17, a long but past Instant.MAX', () => signToken(key, good({ exp: 1e17 }))],
    ['nbf 1e308', () => signToken(key, good({ nbf: 1e308 }))],
    ['iat -1e17, before Instant.MIN', () => signToken(key, good({ iat: -1e17 }))],
    ['exp now plus a fraction (java-jwt cuts it to now: expired)', () => signToken(key, good({ exp: now + 0.9 }))],
    ['a signature in base64 with padding', () => { const [h, p, s] = signToken(key, good()).split('.'); return `${h}.${p}.${Buffer.from(s!, 'base64url').toString('base64')}`; }],
    ['a header with a line break in the JSON', () => unsigned('{"alg":"RS256",\n"kid":', good(), 'x')],
    ['an empty token', () => ''],
    ['only dots', () => '..'],
    ['an RSA key of another size signing', () => signToken({ ...key, privateKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey }, good())],
    ['a JWT with a JSON header but a garbage payload', () => `${Buffer.from('{"alg":"RS256","kid":"key-a"}').toString('base64url')}.%%%.x`],
    ['a token made of spaces', () => '   '],
    ['a very long garbage token (7 KiB)', () => 'x'.repeat(7 * 1024)],
  ];

  it.each(forged)('answers 401 "Bad Authorization header" to %s', async (_case, token) => {
    const answer = await userInfo(`Bearer ${token()}`);
    expect(answer).toMatchObject({ status: 401, body: 'Bad Authorization header', contentType: null });
  });

  it('accepts an exp far ahead that java-jwt still holds as an Instant (the year 316,889,355)', async () => {
    expect((await userInfo(`Bearer ${signToken(key, good({ exp: 1e16 }))}`)).status).toBe(200);
  });

  it('answers 431, as Vert.x does, to headers past 8 KiB', async () => {
    expect((await userInfo(`Bearer ${'x'.repeat(9 * 1024)}`)).status).toBe(431);
  });

  it('lets a JWT without sub list models but not call one: 500 "Failed to process deployment"', async () => {
    const token = signToken(key, good({ sub: undefined }));
    expect((await call(`${core.url}/openai/models`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const answer = await call(`${core.url}/openai/deployments/m/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(answer).toMatchObject({ status: 500, body: 'Failed to process deployment: m' });
  });
});

// docs/dial-core.md#jwks-cache: Core keeps the JWK it found and builds the key only to verify.
describe('a JWKS entry that is found but cannot be a key', () => {
  it('fails its tokens for the positive lifetime, as Core caches what it found, not for the negative one', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
    const good = makeKey('k');
    let published: unknown[] = [{ kty: 'oct', kid: 'k', k: 'c2VjcmV0' }];
    const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published })));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    const core = await startCoreWith({ identityProviders: { idp: { jwksUrl, rolePath: 'roles' } } }, {}, clock);
    try {
      const models = () => call(`${core.url}/openai/models`, { headers: { authorization: `Bearer ${signToken(good, { sub: 'u', exp: Math.floor(clock.now() / 1000) + 3600 })}` } });
      expect((await models()).status).toBe(401);
      // The JWKS fixed: a failure to find would be retried after 10 s, a find that was no key is kept 10 min.
      published = [{ ...good.publicKey.export({ format: 'jwk' }), kid: 'k', alg: 'RS256', use: 'sig' }];
      clock.advance(11_000);
      expect((await models()).status).toBe(401);
      clock.advance(600_000);
      expect((await models()).status).toBe(200);
    } finally {
      await core.stop();
      await new Promise((done) => server.close(done));
    }
  });
});
