import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';

import { loginThroughBrowser } from '../support/browser.ts';
import { targetUnavailable, startTarget, TARGET_NAME, type Target } from './target.ts';

const unavailable = await targetUnavailable();
if (unavailable) console.warn(`[e2e] ${TARGET_NAME} target skipped: ${unavailable}`);
const CALLBACK = 'http://localhost:3000/api/auth/callback/auth0';

describe.skipIf(Boolean(unavailable))(`login flows (${TARGET_NAME} target)${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let target: Target;
  beforeAll(async () => {
    target = await startTarget();
  }, 300_000);
  afterAll(() => target?.stop());

  it('password grant: an access token with the issuer and the roles of the user', async () => {
    const alice = decodeJwt(await target.token('alice@example.com'));
    expect(alice).toMatchObject({ iss: target.issuer, aud: 'dial-api', dial_roles: ['auth0-role-name'] });
    expect(decodeJwt(await target.token('bob@example.com')).dial_roles).toEqual([]);
  });

  it('authorization code with PKCE through the login page: an access token with roles', async () => {
    const discovery = (await (await fetch(`${target.idpUrl}/.well-known/openid-configuration`)).json()) as { authorization_endpoint: string };
    const verifier = client.randomPKCECodeVerifier();
    const authorize = new URL(discovery.authorization_endpoint);
    authorize.search = new URLSearchParams({
      response_type: 'code', client_id: 'dial-chat', redirect_uri: CALLBACK, scope: 'openid profile offline_access', audience: 'dial-api',
      state: 'e2e', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();
    const landing = await loginThroughBrowser(authorize, { email: 'alice@example.com', password: 'alice' }, CALLBACK);
    expect(landing.url.searchParams.get('state')).toBe('e2e');
    const response = await fetch(`${target.idpUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', client_id: 'dial-chat', client_secret: 'dial-chat-secret', code: landing.url.searchParams.get('code'), redirect_uri: CALLBACK, code_verifier: verifier }),
    });
    const tokens = (await response.json()) as { access_token: string; refresh_token?: string; id_token?: string };
    expect(decodeJwt(tokens.access_token)).toMatchObject({ iss: target.issuer, dial_roles: ['auth0-role-name'] });
    expect(tokens.refresh_token).toBeTruthy();
    expect(decodeJwt(tokens.id_token!)).toMatchObject({ aud: 'dial-chat', name: 'Alice' });
  });
});
