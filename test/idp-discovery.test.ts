import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeJwt, getJson, startTestIdp, tutorialTenant, type TestIdp } from './support/idp.ts';

describe('mock-idp discovery and keys', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(() => idp.stop());

  it('serves the same discovery document with the https issuer and its trailing slash on HTTP and HTTPS', async () => {
    const viaHttp = await getJson(`${idp.httpUrl}/.well-known/openid-configuration`);
    const viaHttps = await getJson(`${idp.httpsUrl}/.well-known/openid-configuration`);
    expect(viaHttp).toEqual(viaHttps);
    expect(viaHttps.issuer).toBe(idp.issuer);
    expect(idp.issuer).toMatch(/^https:\/\/localhost:\d+\/$/);
    expect(viaHttps).toMatchObject({
      authorization_endpoint: `${idp.issuer}authorize`,
      token_endpoint: `${idp.issuer}oauth/token`,
      userinfo_endpoint: `${idp.issuer}userinfo`,
      jwks_uri: `${idp.issuer}.well-known/jwks.json`,
      revocation_endpoint: `${idp.issuer}oauth/revoke`,
      end_session_endpoint: `${idp.issuer}oidc/logout`,
    });
    expect(viaHttps.id_token_signing_alg_values_supported).toContain('RS256');
    expect(viaHttps.code_challenge_methods_supported).toContain('S256');
  });

  it('serves every endpoint it lists (an advertised one that answered 404 would send clients astray)', async () => {
    const document = await getJson(`${idp.httpsUrl}/.well-known/openid-configuration`);
    const endpoints = Object.entries(document).filter(([key]) => key.endsWith('_endpoint') || key === 'jwks_uri');
    expect(endpoints.map(([key]) => key).sort()).toEqual(['authorization_endpoint', 'end_session_endpoint', 'jwks_uri', 'revocation_endpoint', 'token_endpoint', 'userinfo_endpoint']);
    for (const [key, url] of endpoints) {
      // Each as a client first meets it: a browser's GET, or a POST without credentials; anything but 404 means served.
      const method = key === 'token_endpoint' || key === 'revocation_endpoint' ? 'POST' : 'GET';
      const response = await fetch(url as string, { method, redirect: 'manual' });
      expect({ key, status: response.status }).not.toEqual({ key, status: 404 });
    }
  });

  it('answers the double-slash discovery path next-auth asks for when the issuer ends with a slash', async () => {
    const response = await fetch(`${idp.httpsUrl}//.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { issuer: string }).issuer).toBe(idp.issuer);
  });

  it('publishes the current and the next RS256 key, each with kid, x5t and x5c', async () => {
    const { keys } = await getJson(`${idp.httpsUrl}/.well-known/jwks.json`);
    expect(keys).toHaveLength(2);
    expect(keys.map((k: { kid: string }) => k.kid)).toEqual([idp.keys.current.kid, idp.keys.next.kid]);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', e: 'AQAB' });
      expect(key.x5c[0]).toMatch(/^MII/);
      expect(key.x5t).toMatch(/^[\w-]{27}$/);
      expect(key).not.toHaveProperty('d');
    }
  });

  it('keeps the same kids across a restart with the same state folder', async () => {
    const again = await startTestIdp();
    try {
      expect(again.keys.current.kid).toBe(idp.keys.current.kid);
    } finally {
      await again.stop();
    }
  });

  it('names the method and path of a request it does not serve', async () => {
    const response = await fetch(`${idp.httpUrl}/api/v3/nothing`, { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error_description: string }).error_description).toContain('DELETE /api/v3/nothing');
  });

  it('uses the domain the tenant file sets for the issuer, in discovery and in tokens alike', async () => {
    const named = await startTestIdp({ tenant: tutorialTenant((t) => (t.domain = 'dial-sandbox.eu.auth0.com')) });
    try {
      expect(named.issuer).toBe('https://dial-sandbox.eu.auth0.com/');
      expect((await getJson(`${named.httpUrl}/.well-known/openid-configuration`)).issuer).toBe(named.issuer);
      const { body } = await named.token({ grant_type: 'password', client_id: 'dial-chat', client_secret: 'dial-chat-secret', username: 'alice@example.com', password: 'alice', audience: 'dial-api' });
      expect(decodeJwt(body.access_token!).iss).toBe('https://dial-sandbox.eu.auth0.com/');
    } finally {
      await named.stop();
    }
  });
});
