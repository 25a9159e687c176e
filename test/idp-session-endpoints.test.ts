import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loginThroughBrowser } from './support/browser.ts';
import { alice, dialChat, startTestIdp, tutorialTenant, type TestIdp } from './support/idp.ts';

const CALLBACK = 'http://localhost:3000/api/auth/callback/auth0';

describe('mock-idp userinfo, revocation and logout', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(() => idp.stop());

  const login = (scope = 'openid profile email offline_access') =>
    idp.token({ grant_type: 'password', ...dialChat, ...alice, audience: 'dial-api', scope });

  it('answers /userinfo for an API token that has <issuer>userinfo in aud, with the claims of its scopes', async () => {
    const { body } = await login('openid email');
    const response = await fetch(`${idp.httpsUrl}/userinfo`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: idp.accounts.byEmail(alice.username)!.user_id, email: alice.username, email_verified: true });
  });

  it('refuses /userinfo for an API token without openid, and for no token, with 401', async () => {
    const { body } = await login('');
    expect((await fetch(`${idp.httpsUrl}/userinfo`, { headers: { authorization: `Bearer ${body.access_token}` } })).status).toBe(401);
    const anonymous = await fetch(`${idp.httpsUrl}/userinfo`);
    expect(anonymous.status).toBe(401);
    // Auth0's challenge: the realm alone when no token came, the reason too for one refused; the body is no JSON.
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="Users"');
    expect(await anonymous.text()).toBe('Unauthorized');
    const refused = await fetch(`${idp.httpsUrl}/userinfo`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="Users", error="invalid_token", error_description="Invalid token"');
  });

  it('takes the token as the query\'s or a form body\'s access_token too (RFC 6750 §2.2–2.3; passport-auth0 sends the query), but from one place only', async () => {
    const { body } = await login('openid email');
    const sub = idp.accounts.byEmail(alice.username)!.user_id;
    const inQuery = await fetch(`${idp.httpsUrl}/userinfo?access_token=${body.access_token}`);
    expect(inQuery.status).toBe(200);
    expect(((await inQuery.json()) as { sub: string }).sub).toBe(sub);
    const inForm = await fetch(`${idp.httpsUrl}/userinfo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=${body.access_token}` });
    expect(((await inForm.json()) as { sub: string }).sub).toBe(sub);
    const twice = await fetch(`${idp.httpsUrl}/userinfo?access_token=${body.access_token}`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(twice.status).toBe(400);
  });

  it('revokes a refresh token at /oauth/revoke (JSON body), after which it no longer refreshes', async () => {
    const { body } = await login();
    const revoke = await fetch(`${idp.httpsUrl}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...dialChat, token: body.refresh_token }),
    });
    expect(revoke.status).toBe(200);
    // Auth0's is a 200 with no body: no Content-Type, which oidc-client-ts checks (only JSON or none).
    expect(revoke.headers.get('content-type')).toBeNull();
    expect(await revoke.text()).toBe('');
    // An access token (a JWT here) is no refresh token: the same empty 200, and it stays valid (Auth0 revokes refresh tokens only).
    const revokeAccess = await fetch(`${idp.httpsUrl}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...dialChat, token: body.access_token, token_type_hint: 'access_token' }) });
    expect([revokeAccess.status, await revokeAccess.text()]).toEqual([200, '']);
    const refresh = await idp.token({ grant_type: 'refresh_token', ...dialChat, refresh_token: body.refresh_token });
    expect(refresh).toEqual({ status: 403, body: { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' } });
  });

  it('revokes only the refresh token named, not the others of the same user and application (Auth0\'s default)', async () => {
    const cookies = new Map<string, string>();
    const authorize = new URL(`${idp.issuer}authorize`);
    authorize.search = new URLSearchParams({ response_type: 'code', client_id: 'dial-chat', redirect_uri: CALLBACK, scope: 'openid offline_access', audience: 'dial-api' }).toString();
    // Two logins in one browser session: oidc-provider keeps both under one grant.
    const refreshTokens: string[] = [];
    for (const as of [{ email: alice.username, password: alice.password }, {}]) {
      const landing = await loginThroughBrowser(authorize, as, CALLBACK, cookies);
      refreshTokens.push((await idp.token({ grant_type: 'authorization_code', ...dialChat, code: landing.url.searchParams.get('code'), redirect_uri: CALLBACK })).body.refresh_token!);
    }
    const revoke = await fetch(`${idp.httpsUrl}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...dialChat, token: refreshTokens[0] }) });
    expect(revoke.status).toBe(200);
    expect((await idp.token({ grant_type: 'refresh_token', ...dialChat, refresh_token: refreshTokens[0] })).status).toBe(403);
    expect((await idp.token({ grant_type: 'refresh_token', ...dialChat, refresh_token: refreshTokens[1] })).status).toBe(200);
  });

  it('/v2/logout redirects to an allowed returnTo and ends the session, so the next /authorize asks to log in again', async () => {
    const cookies = new Map<string, string>();
    const authorize = new URL(`${idp.issuer}authorize`);
    authorize.search = new URLSearchParams({ response_type: 'code', client_id: 'dial-chat', redirect_uri: CALLBACK, scope: 'openid' }).toString();
    const first = await loginThroughBrowser(authorize, { email: alice.username, password: alice.password }, CALLBACK, cookies);
    expect(first.url.searchParams.get('code')).toBeTruthy();

    // With the session, a second /authorize goes straight back to the app (single sign-on)…
    const sso = await loginThroughBrowser(authorize, {}, CALLBACK, cookies);
    expect(sso.visited.some((u) => u.includes('/u/login'))).toBe(false);

    // …until /v2/logout ends it.
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const logout = await fetch(`${idp.httpsUrl}/v2/logout?client_id=dial-chat&returnTo=${encodeURIComponent('http://localhost:3000')}`, { redirect: 'manual', headers: { cookie } });
    expect(logout.status).toBe(302);
    expect(logout.headers.get('location')).toBe('http://localhost:3000');
    const after = await fetch(authorize, { redirect: 'manual', headers: { cookie } });
    expect(new URL(after.headers.get('location')!, idp.issuer).pathname).toBe('/u/login');
  });

  it('/v2/logout refuses a returnTo that is not among the Allowed Logout URLs', async () => {
    const response = await fetch(`${idp.httpsUrl}/v2/logout?client_id=dial-chat&returnTo=${encodeURIComponent('https://evil.example/')}`, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('is not defined as a valid URL in &quot;Allowed Logout URLs&quot;');
  });

  /** A code-flow login in a "browser" (its cookies kept), and the ID token it ends with. */
  async function browserLogin() {
    const cookies = new Map<string, string>();
    const authorize = new URL(`${idp.issuer}authorize`);
    authorize.search = new URLSearchParams({ response_type: 'code', client_id: 'dial-chat', redirect_uri: CALLBACK, scope: 'openid profile' }).toString();
    const landing = await loginThroughBrowser(authorize, { email: alice.username, password: alice.password }, CALLBACK, cookies);
    const { body } = await idp.token({ grant_type: 'authorization_code', ...dialChat, code: landing.url.searchParams.get('code'), redirect_uri: CALLBACK });
    const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const loggedIn = async () => new URL((await fetch(authorize, { redirect: 'manual', headers: { cookie: cookie() } })).headers.get('location')!, idp.issuer).pathname !== '/u/login';
    return { idToken: body.id_token!, cookie, loggedIn };
  }
  const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

  it('puts the session\'s sid and the user\'s real updated_at in a login\'s ID token; a password grant\'s has no sid', async () => {
    const { idToken } = await browserLogin();
    const claims = claimsOf(idToken);
    expect(claims.sid).toEqual(expect.any(String));
    expect(claims.updated_at).toBe(idp.accounts.byEmail(alice.username)!.updated_at);
    expect(Date.parse(claims.updated_at as string)).toBeGreaterThan(Date.parse('2000-01-01'));
    expect(claimsOf((await login('openid profile')).body.id_token!)).not.toHaveProperty('sid');
  });

  it('/oidc/logout with the session\'s ID token as hint ends it and redirects at once to post_logout_redirect_uri, with state', async () => {
    const { idToken, cookie, loggedIn } = await browserLogin();
    expect(await loggedIn()).toBe(true);
    const url = `${idp.httpsUrl}/oidc/logout?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: 'http://localhost:3000', state: 'bye' })}`;
    const logout = await fetch(url, { redirect: 'manual', headers: { cookie: cookie() } });
    expect(logout.status).toBe(302);
    expect(logout.headers.get('location')).toBe('http://localhost:3000/?state=bye');
    expect(await loggedIn()).toBe(false);
  });

  it('/oidc/logout without a hint asks first (Auth0\'s logout prompt), and logs out once the user says yes', async () => {
    const { cookie, loggedIn } = await browserLogin();
    const prompt = await fetch(`${idp.httpsUrl}/oidc/logout?${new URLSearchParams({ client_id: 'dial-chat', post_logout_redirect_uri: 'http://localhost:3000' })}`, { redirect: 'manual', headers: { cookie: cookie() } });
    expect(prompt.status).toBe(200);
    const html = await prompt.text();
    expect(html).toContain('Are you sure you want to log out');
    expect(await loggedIn()).toBe(true);
    // What the button sends: the confirmation form's fields and logout=yes.
    const action = /action="([^"]+)"/.exec(html)![1]!;
    const fields = Object.fromEntries([...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const setCookies = prompt.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const confirm = await fetch(new URL(action, idp.httpsUrl), {
      method: 'POST', redirect: 'manual', body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [cookie(), setCookies].filter(Boolean).join('; ') },
    });
    expect(confirm.status).toBe(303);
    expect(confirm.headers.get('location')).toBe('http://localhost:3000/');
    expect(await loggedIn()).toBe(false);
  });

  it('/oidc/logout refuses a post_logout_redirect_uri that is not among the application\'s Allowed Logout URLs, with Auth0\'s words, and a hint it did not sign', async () => {
    const { idToken, loggedIn } = await browserLogin();
    const refused = await fetch(`${idp.httpsUrl}/oidc/logout?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: 'https://evil.example/' })}`, { redirect: 'manual' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('The &quot;post_logout_redirect_uri&quot; querystring parameter &quot;https://evil.example/&quot; is not defined as a valid URL in &quot;Allowed Logout URLs&quot;');
    const forged = `${idToken.split('.').slice(0, 2).join('.')}.${Buffer.from('forged').toString('base64url')}`;
    expect((await fetch(`${idp.httpsUrl}/oidc/logout?id_token_hint=${forged}`, { redirect: 'manual' })).status).toBe(400);
    expect(await loggedIn()).toBe(true);
  });
});

describe('mock-idp /oidc/logout with the tenant\'s logout prompt turned off', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp({ tenant: tutorialTenant((t) => (t.oidc_logout_prompt = false)) });
  });
  afterAll(() => idp.stop());

  it('ends a session it cannot match to the request without asking', async () => {
    const cookies = new Map<string, string>();
    const authorize = new URL(`${idp.issuer}authorize`);
    authorize.search = new URLSearchParams({ response_type: 'code', client_id: 'dial-chat', redirect_uri: CALLBACK, scope: 'openid' }).toString();
    await loginThroughBrowser(authorize, { email: alice.username, password: alice.password }, CALLBACK, cookies);
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const logout = await fetch(`${idp.httpsUrl}/oidc/logout?client_id=dial-chat`, { redirect: 'manual', headers: { cookie } });
    expect(logout.status).toBe(302);
    // No post_logout_redirect_uri: the application's first Allowed Logout URL.
    expect(logout.headers.get('location')).toBe(tutorialTenant().clients.find((c) => c.client_id === 'dial-chat')!.allowed_logout_urls[0]);
  });
});
