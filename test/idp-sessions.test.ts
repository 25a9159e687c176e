import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fixtureAction, tenantWithActions } from './support/actions.ts';
import { loginThroughBrowser } from './support/browser.ts';
import { alice, bob, dialChat, startTestIdp, type TestIdp } from './support/idp.ts';

const CALLBACK = 'http://localhost:3000/api/auth/callback/auth0';

describe('mock-idp sessions, prompts and refresh tokens', () => {
  let idp: TestIdp;
  let config: client.Configuration;
  beforeAll(async () => {
    // dial-chat rotates its refresh tokens here, the case where a careless refresh would burn the token.
    const tenant = tenantWithActions([fixtureAction('blocks')], (t) => (t.clients.find((c) => c.client_id === 'dial-chat')!.refresh_token_rotation = true));
    idp = await startTestIdp({ tenant });
    config = await client.discovery(new URL(idp.issuer), dialChat.client_id, dialChat.client_secret);
  });
  afterAll(() => idp.stop());

  /** Logs in through the login page (or the session), exchanges the code; answers tokens and the cookie jar. */
  async function login(as: { email?: string; password?: string }, params: Record<string, string> = {}, cookies = new Map<string, string>()) {
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK, scope: 'openid profile offline_access', audience: 'dial-api', state: 's',
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...params,
    });
    const landing = await loginThroughBrowser(url, as, CALLBACK, cookies);
    if (landing.url.searchParams.has('error')) return { landing, cookies, tokens: undefined };
    const tokens = await client.authorizationCodeGrant(config, landing.url, { pkceCodeVerifier: verifier, expectedState: 's' });
    return { landing, cookies, tokens };
  }
  const credentials = (user: typeof alice) => ({ email: user.username, password: user.password });
  const refresh = (refreshToken: string) => idp.token({ grant_type: 'refresh_token', ...dialChat, refresh_token: refreshToken });
  const cookieHeader = (cookies: Map<string, string>) => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');

  it('keeps a refresh token valid after another login in the same session and after /v2/logout', async () => {
    const first = await login(credentials(alice));
    await login({}, {}, first.cookies); // SSO: no login page, a second code
    await fetch(`${idp.httpsUrl}/v2/logout?client_id=dial-chat`, { headers: { cookie: cookieHeader(first.cookies) } });
    const refreshed = await refresh(first.tokens!.refresh_token!);
    expect(refreshed.status).toBe(200);
    expect((await idp.verify(refreshed.body.access_token!)).dial_roles).toEqual(['auth0-role-name']);
  });

  it('shows a role given after an authorization-code login in the refreshed token', async () => {
    const { tokens } = await login(credentials(bob));
    expect((await idp.verify(tokens!.access_token)).dial_roles).toEqual([]);
    idp.accounts.byEmail(bob.username)!.roles.push('auth0-role-name');
    try {
      const refreshed = await client.refreshTokenGrant(config, tokens!.refresh_token!, { scope: 'openid offline_access' });
      expect((await idp.verify(refreshed.access_token)).dial_roles).toEqual(['auth0-role-name']);
    } finally {
      idp.accounts.byEmail(bob.username)!.roles.pop();
    }
  });

  it('answers a denied refresh with 403 and leaves the refresh token usable once the deny is lifted', async () => {
    const { tokens } = await login(credentials(bob));
    idp.accounts.byEmail(bob.username)!.app_metadata.blocked = true;
    try {
      expect(await refresh(tokens!.refresh_token!)).toEqual({ status: 403, body: { error: 'access_denied', error_description: 'bob@example.com is blocked' } });
    } finally {
      delete idp.accounts.byEmail(bob.username)!.app_metadata.blocked;
    }
    const again = await refresh(tokens!.refresh_token!);
    expect(again.status).toBe(200);
    // Rotation: a new refresh token, and the used one is spent.
    expect(again.body.refresh_token).not.toBe(tokens!.refresh_token);
    expect((await refresh(tokens!.refresh_token!)).status).toBe(403);
  });

  it('grants prompt=consent at once, with a refresh token for offline_access', async () => {
    const { tokens, landing } = await login(credentials(alice), { prompt: 'consent' });
    expect(landing.visited.filter((u) => u.includes('/u/login')).length).toBeGreaterThan(0);
    expect(tokens!.refresh_token).toBeTruthy();
  });

  it('answers prompt=none from the session, and with login_required without one', async () => {
    const { cookies } = await login(credentials(alice));
    const silent = await login({}, { prompt: 'none' }, cookies);
    expect(silent.landing.visited.some((u) => u.includes('/u/login'))).toBe(false);
    expect((await idp.verify(silent.tokens!.access_token)).sub).toBe(idp.accounts.byEmail(alice.username)!.user_id);

    const anonymous = await login({}, { prompt: 'none' });
    expect(anonymous.landing.url.searchParams.get('error')).toBe('login_required');
  });

  it('with prompt=login, lets another user log in over an existing session and runs the Actions for that user only', async () => {
    const asBob = await login(credentials(bob));
    idp.accounts.byEmail(bob.username)!.app_metadata.blocked = true;
    try {
      const asAlice = await login(credentials(alice), { prompt: 'login' }, asBob.cookies);
      const claims = await idp.verify(asAlice.tokens!.access_token);
      expect(claims.sub).toBe(idp.accounts.byEmail(alice.username)!.user_id);
      expect(claims.dial_roles).toEqual(['auth0-role-name']);
    } finally {
      delete idp.accounts.byEmail(bob.username)!.app_metadata.blocked;
    }
  });
});
