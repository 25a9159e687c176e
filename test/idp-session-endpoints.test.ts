import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loginThroughBrowser } from './support/browser.ts';
import { alice, dialChat, startTestIdp, type TestIdp } from './support/idp.ts';

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

  it('takes the token as the query\'s or a form body\'s access_token too (RFC 6750 §2.2, §2.3; passport-auth0 sends the query), but from one place only', async () => {
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
    const refresh = await idp.token({ grant_type: 'refresh_token', ...dialChat, refresh_token: body.refresh_token });
    expect(refresh).toEqual({ status: 403, body: { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' } });
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

  it('/oidc/logout ends the session and redirects to post_logout_redirect_uri without asking', async () => {
    const { body } = await login('openid');
    const url = `${idp.httpsUrl}/oidc/logout?${new URLSearchParams({ id_token_hint: body.id_token!, post_logout_redirect_uri: 'http://localhost:3000', state: 'bye' })}`;
    const page = await fetch(url, { redirect: 'manual' });
    expect(page.status).toBe(200);
    const html = await page.text();
    // The page submits oidc-provider's confirmation form by itself; do what the browser would.
    const action = /action="([^"]+)"/.exec(html)![1]!;
    const fields = Object.fromEntries([...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const confirm = await fetch(new URL(action, idp.httpsUrl), {
      method: 'POST', redirect: 'manual', body: new URLSearchParams(fields as Record<string, string>).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') },
    });
    expect(confirm.status).toBe(303);
    expect(confirm.headers.get('location')).toBe('http://localhost:3000/?state=bye');
  });
});
