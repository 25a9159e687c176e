import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { ManualClock } from '../common/clock.ts';
import { call, startCoreWith } from './support/core-alone.ts';
import { makeKey, signToken, startJwksServer } from './support/jwks-server.ts';

// docs/dial-core.md#provider-choice, docs/dial-core.md#jwks-cache, docs/dial-core.md#userinfo-mode,
// docs/dial-core.md#identity-provider-settings.
describe('mock-core identity providers', () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });
  const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
  const claims = (extra: Record<string, unknown> = {}) => ({ sub: 'auth0|u', roles: ['r'], exp: Math.floor(clock.now() / 1000) + 3600, ...extra });

  async function setup(provider: Record<string, unknown> = {}) {
    const first = makeKey('first');
    const jwks = await startJwksServer([first]);
    const core = await startCoreWith({ identityProviders: { idp: { jwksUrl: jwks.url, rolePath: 'roles', ...provider } } }, {}, clock);
    stops.push(() => core.stop(), () => jwks.stop());
    const status = async (token: string) => (await call(`${core.url}/v1/user/info`, { headers: { authorization: `Bearer ${token}` } })).status;
    return { first, jwks, core, status };
  }

  it('fetches the whole JWKS again for a kid it has not seen, then serves it from the cache', async () => {
    const { first, jwks, status } = await setup();
    expect(await status(signToken(first, claims()))).toBe(200);
    expect(jwks.fetches).toBe(1);
    expect(await status(signToken(first, claims()))).toBe(200);
    expect(jwks.fetches).toBe(1);

    const second = makeKey('second');
    jwks.keys.push(second);
    expect(await status(signToken(second, claims()))).toBe(200);
    expect(jwks.fetches).toBe(2);
  });

  it('keeps an unknown kid failed for the negative lifetime (10 s) without fetching, then tries again', async () => {
    const { jwks, status } = await setup();
    const later = makeKey('later');
    expect(await status(signToken(later, claims()))).toBe(401);
    jwks.keys.push(later);
    expect(await status(signToken(later, claims()))).toBe(401);
    expect(jwks.fetches).toBe(1);
    clock.advance(10_000);
    expect(await status(signToken(later, claims()))).toBe(200);
    expect(jwks.fetches).toBe(2);
  });

  it('answers 401 while the JWKS is down, and recovers once the negative lifetime has passed', async () => {
    const { first, jwks, status } = await setup();
    jwks.failWith = 503;
    expect(await status(signToken(first, claims()))).toBe(401);
    jwks.failWith = undefined;
    expect(await status(signToken(first, claims()))).toBe(401);
    clock.advance(10_001);
    expect(await status(signToken(first, claims()))).toBe(200);
  });

  it('keeps trusting a key removed from the JWKS until its positive lifetime (10 min) ends', async () => {
    const { first, jwks, status } = await setup();
    expect(await status(signToken(first, claims()))).toBe(200);
    jwks.keys.splice(0);
    clock.advance(9 * 60_000);
    expect(await status(signToken(first, claims()))).toBe(200);
    clock.advance(61_000);
    expect(await status(signToken(first, claims()))).toBe(401);
  });

  it('judges a token seen before as it did the first time: its exp still counts, and a new key under its kid is a new verdict', async () => {
    const { first, jwks, status } = await setup();
    const shortLived = signToken(first, claims({ exp: Math.floor(clock.now() / 1000) + 60 }));
    expect(await status(shortLived)).toBe(200);
    expect(await status(shortLived)).toBe(200);
    clock.advance(60_000);
    expect(await status(shortLived)).toBe(401);

    // The IdP publishes other key material under the same kid; once Core's cached JWK expires and is
    // fetched again, a token the old key signed, accepted until then, no longer verifies.
    const token = signToken(first, claims());
    expect(await status(token)).toBe(200);
    jwks.keys.splice(0, 1, { ...makeKey('first') });
    clock.advance(10 * 60_000 + 1);
    expect(await status(token)).toBe(401);
  });

  it('checks aud only when the provider names an audience, and then wants it contained', async () => {
    const { first, status } = await setup({ audience: 'dial-api' });
    expect(await status(signToken(first, claims()))).toBe(401);
    expect(await status(signToken(first, claims({ aud: 'other' })))).toBe(401);
    expect(await status(signToken(first, claims({ aud: ['dial-api', 'https://t/userinfo'] })))).toBe(200);
  });

  it('with two providers, picks the first whose issuerPattern fully matches iss, and refuses the rest', async () => {
    const key = makeKey('k');
    const jwks = await startJwksServer([key]);
    const core = await startCoreWith({
      identityProviders: {
        auth0: { jwksUrl: jwks.url, rolePath: 'dial_roles', issuerPattern: '^https:\\/\\/tenant\\.eu\\.auth0\\.com.+$' },
        keycloak: { jwksUrl: jwks.url, rolePath: 'realm_access.roles', issuerPattern: 'https://kc/realms/dial' },
        nopattern: { disableJwtVerification: true, rolePath: 'roles' },
      },
    }, {}, clock);
    stops.push(() => core.stop(), () => jwks.stop());
    const roles = async (payload: Record<string, unknown>) => {
      const answer = await call(`${core.url}/v1/user/info`, { headers: { authorization: `Bearer ${signToken(key, payload)}` } });
      return answer.status === 200 ? JSON.parse(answer.body).roles : answer.status;
    };
    expect(await roles(claims({ iss: 'https://tenant.eu.auth0.com/', dial_roles: ['a'] }))).toEqual(['a']);
    // The sample's pattern ends in ".+": an issuer without Auth0's trailing slash matches nothing.
    expect(await roles(claims({ iss: 'https://tenant.eu.auth0.com', dial_roles: ['a'] }))).toBe(401);
    expect(await roles(claims({ iss: 'https://kc/realms/dial', realm_access: { roles: ['b'] } }))).toEqual(['b']);
    expect(await roles(claims({ iss: 'https://kc/realms/dial/extra' }))).toBe(401);
    expect(await roles(claims({ iss: undefined }))).toBe(401);
  });

  it('in userinfo mode asks the endpoint once per token for 60 s, and fails on a non-200', async () => {
    let asked = 0;
    const server = http.createServer((req, res) => {
      asked++;
      if (req.headers.authorization !== 'Bearer opaque-ok') return void res.writeHead(401).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sub: 'google|1', groups: 'a; b;;c' }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const core = await startCoreWith({
      identityProviders: { google: { userInfoEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/userinfo`, rolePath: 'groups', rolesDelimiter: ';\\s*' } },
    }, {}, clock);
    stops.push(() => core.stop(), () => new Promise((done) => server.close(done)));
    const info = (token: string) => call(`${core.url}/v1/user/info`, { headers: { authorization: `Bearer ${token}` } });

    expect(JSON.parse((await info('opaque-ok')).body).roles).toEqual(['a', 'b', 'c']);
    await info('opaque-ok');
    expect(asked).toBe(1);
    clock.advance(60_001);
    await info('opaque-ok');
    expect(asked).toBe(2);
    expect((await info('opaque-bad')).status).toBe(401);
  });
});
