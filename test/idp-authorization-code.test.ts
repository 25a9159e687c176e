import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loginThroughBrowser } from './support/browser.ts';
import { alice, bob, dialChat, startTestIdp, type TestIdp } from './support/idp.ts';

const CALLBACK = 'http://localhost:3000/api/auth/callback/auth0';

describe('mock-idp authorization code flow with openid-client', () => {
  let idp: TestIdp;
  let config: client.Configuration;
  beforeAll(async () => {
    idp = await startTestIdp();
    // Over HTTPS, trusted through NODE_EXTRA_CA_CERTS (set for the test processes by vitest.config.ts).
    config = await client.discovery(new URL(idp.issuer), dialChat.client_id, dialChat.client_secret);
  });
  afterAll(() => idp.stop());

  async function startLogin(extra: Record<string, string> = {}) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid email profile offline_access',
      audience: 'dial-api',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...extra,
    });
    return { url, verifier, state };
  }

  it('discovers the tenant and finds Auth0 endpoints', () => {
    expect(config.serverMetadata().issuer).toBe(idp.issuer);
    expect(config.serverMetadata().token_endpoint).toBe(`${idp.issuer}oauth/token`);
  });

  it('logs alice in through the login page, echoes state, and exchanges the code with PKCE for tokens carrying her roles', async () => {
    const { url, verifier, state } = await startLogin();
    const landing = await loginThroughBrowser(url, { email: alice.username, password: alice.password }, CALLBACK);
    expect(landing.visited.some((u) => new URL(u).pathname === '/u/login')).toBe(true);
    expect(landing.url.searchParams.get('state')).toBe(state);

    const tokens = await client.authorizationCodeGrant(config, landing.url, { pkceCodeVerifier: verifier, expectedState: state });
    const access = await idp.verify(tokens.access_token, 'dial-api');
    expect(access).toMatchObject({ dial_roles: ['auth0-role-name'], azp: 'dial-chat', aud: ['dial-api', `${idp.issuer}userinfo`], scope: 'openid email profile offline_access' });
    expect(access).not.toHaveProperty('gty');
    expect(tokens.claims()).toMatchObject({ iss: idp.issuer, aud: 'dial-chat', email: alice.username, name: 'Alice' });
    expect(tokens.refresh_token).toBeTruthy();

    // Refresh as DIAL Chat does (openid-client), and the roles come back.
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect((await idp.verify(refreshed.access_token)).dial_roles).toEqual(['auth0-role-name']);
  });

  it('answers the scope the tokens are for: the OIDC ones (offline_access too) beside the API\'s, with an audience and without one', async () => {
    const withApi = await codeFor();
    const { body } = await withApi.exchange();
    expect(body.scope).toBe('openid email profile offline_access');
    expect((await idp.verify(body.access_token!, 'dial-api')).scope).toBe(body.scope);

    const { url, verifier } = await startLogin({ audience: '' });
    const landing = await loginThroughBrowser(url, { email: alice.username, password: alice.password }, CALLBACK);
    const opaque = await idp.token({ grant_type: 'authorization_code', ...dialChat, code: landing.url.searchParams.get('code')!, redirect_uri: CALLBACK, code_verifier: verifier });
    expect(opaque.body.access_token!.split('.')).toHaveLength(1);
    expect(opaque.body).toMatchObject({ scope: 'openid email profile offline_access', refresh_token: expect.any(String) });
  });

  it('refreshes with the refresh token\'s own scope, or a narrower one asked for, never a later login\'s broader one; without rotation no refresh_token comes back', async () => {
    const { url, verifier } = await startLogin({ scope: 'openid offline_access' });
    const landing = await loginThroughBrowser(url, { email: alice.username, password: alice.password }, CALLBACK);
    const first = (await idp.token({ grant_type: 'authorization_code', ...dialChat, code: landing.url.searchParams.get('code')!, redirect_uri: CALLBACK, code_verifier: verifier })).body;
    // The same user and application log in again, asking for more.
    await (await codeFor()).exchange();

    const refresh = (scope?: string) => idp.token({ grant_type: 'refresh_token', ...dialChat, refresh_token: first.refresh_token!, ...(scope ? { scope } : {}) });
    const same = await refresh();
    expect(same.status).toBe(200);
    expect(same.body.scope).toBe('openid offline_access');
    expect((await idp.verify(same.body.access_token!, 'dial-api')).scope).toBe('openid offline_access');
    expect(same.body).not.toHaveProperty('refresh_token');

    const narrower = await refresh('openid');
    expect((await idp.verify(narrower.body.access_token!, 'dial-api')).scope).toBe('openid offline_access');
    const { body: full } = await (await codeFor()).exchange();
    const narrowed = await idp.token({ grant_type: 'refresh_token', ...dialChat, refresh_token: full.refresh_token!, scope: 'openid email' });
    expect((await idp.verify(narrowed.body.access_token!, 'dial-api')).scope).toBe('openid email offline_access');
    expect(narrowed.body.scope).toBe('openid email offline_access');
  });

  it('logs a picked tenant user in and echoes the nonce in the ID token when one is sent', async () => {
    const nonce = client.randomNonce();
    const { url, verifier, state } = await startLogin({ nonce });
    const landing = await loginThroughBrowser(url, { userId: idp.accounts.byEmail(bob.username)!.user_id }, CALLBACK);
    const tokens = await client.authorizationCodeGrant(config, landing.url, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    expect(tokens.claims()?.nonce).toBe(nonce);
    expect((await idp.verify(tokens.access_token)).dial_roles).toEqual([]);
  });

  async function codeFor(login = alice) {
    const { url, verifier } = await startLogin();
    const landing = await loginThroughBrowser(url, { email: login.username, password: login.password }, CALLBACK);
    const code = landing.url.searchParams.get('code')!;
    const exchange = (codeVerifier = verifier, redirectUri = CALLBACK) =>
      idp.token({ grant_type: 'authorization_code', ...dialChat, code, redirect_uri: redirectUri, code_verifier: codeVerifier });
    return { exchange };
  }

  it('rejects a wrong PKCE verifier with 403 "Failed to verify code verifier"', async () => {
    const { exchange } = await codeFor();
    expect(await exchange(client.randomPKCECodeVerifier())).toEqual({ status: 403, body: { error: 'invalid_grant', error_description: 'Failed to verify code verifier' } });
  });

  it('rejects a code used a second time with 403 "Invalid authorization code"', async () => {
    const { exchange } = await codeFor();
    expect((await exchange()).status).toBe(200);
    expect(await exchange()).toEqual({ status: 403, body: { error: 'invalid_grant', error_description: 'Invalid authorization code' } });
  });

  it('rejects a code exchanged with another redirect_uri than the one it was issued for', async () => {
    const { exchange } = await codeFor();
    expect((await exchange(undefined, 'http://localhost:3000/elsewhere')).body).toEqual({ error: 'invalid_grant', error_description: 'Invalid authorization code' });
  });

  it('shows an error page, and does not redirect, for a redirect_uri that is not among the callbacks', async () => {
    const { url } = await startLogin({ redirect_uri: 'https://attacker.example/cb' });
    const response = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('Callback URL mismatch');
  });

  it('shows the login page again with an error after a wrong password', async () => {
    const { url } = await startLogin();
    await expect(loginThroughBrowser(url, { email: alice.username, password: 'wrong' }, CALLBACK)).rejects.toThrow(/400.*Wrong email or password/s);
  });
});
