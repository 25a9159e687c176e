import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PASSWORD_REALM_GRANT } from '../mock-idp/grants/password.ts';
import { alice, bob, decodeProtectedHeader, dialChat, startTestIdp, tutorialTenant, type TestIdp } from './support/idp.ts';

describe('mock-idp password grants', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    const tenant = tutorialTenant((t) => t.clients.find((c) => c.client_id === 'dial-chat')!.grant_types.push(PASSWORD_REALM_GRANT));
    idp = await startTestIdp({ tenant });
  });
  afterAll(() => idp.stop());

  it("puts alice's role names into dial_roles of an Auth0-shaped access token for dial-api", async () => {
    const { status, body } = await idp.token({ grant_type: 'password', ...dialChat, ...alice, audience: 'dial-api' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 86_400 });
    expect(body.id_token).toBeUndefined();
    expect(decodeProtectedHeader(body.access_token!)).toEqual({ alg: 'RS256', typ: 'JWT', kid: idp.keys.current.kid });
    const claims = await idp.verify(body.access_token!, 'dial-api');
    expect(claims).toMatchObject({
      iss: idp.issuer,
      sub: idp.accounts.byEmail(alice.username)!.user_id,
      aud: 'dial-api',
      azp: 'dial-chat',
      gty: 'password',
      dial_roles: ['auth0-role-name'],
    });
    expect(claims.sub).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(claims).not.toHaveProperty('client_id');
    expect(claims.exp! - claims.iat!).toBe(86_400);
  });

  it('gives bob, who has no role, an empty dial_roles', async () => {
    const { body } = await idp.token({ grant_type: 'password', ...dialChat, ...bob, audience: 'dial-api' });
    expect((await idp.verify(body.access_token!)).dial_roles).toEqual([]);
  });

  it('with openid, adds <issuer>userinfo to aud and returns an ID token with the profile claims', async () => {
    const { body } = await idp.token({ grant_type: 'password', ...dialChat, ...alice, audience: 'dial-api', scope: 'openid profile email' });
    const access = await idp.verify(body.access_token!);
    expect(access.aud).toEqual(['dial-api', `${idp.issuer}userinfo`]);
    expect(access.scope).toBe('openid profile email');
    const id = await idp.verify(body.id_token!, 'dial-chat');
    expect(id).toMatchObject({ iss: idp.issuer, aud: 'dial-chat', email: alice.username, email_verified: true, name: 'Alice', nickname: 'alice' });
    expect(id.exp! - id.iat!).toBe(36_000);
    expect(body.scope).toBe('openid profile email');
  });

  it('takes the password-realm grant, form bodies and HTTP Basic client authentication', async () => {
    const basic = `Basic ${Buffer.from('dial-chat:dial-chat-secret').toString('base64')}`;
    const { status, body } = await idp.token(
      { grant_type: PASSWORD_REALM_GRANT, realm: 'Username-Password-Authentication', ...alice, audience: 'dial-api' },
      { form: true, headers: { authorization: basic } },
    );
    expect(status).toBe(200);
    expect((await idp.verify(body.access_token!)).dial_roles).toEqual(['auth0-role-name']);
  });

  it('issues a refresh token for offline_access, and a refresh runs the Actions again', async () => {
    const first = await idp.token({ grant_type: 'password', ...dialChat, ...bob, audience: 'dial-api', scope: 'openid offline_access' });
    expect(first.body.refresh_token).toBeTruthy();
    expect((await idp.verify(first.body.access_token!)).dial_roles).toEqual([]);

    // A role given to bob after his login shows up in the token of the next refresh.
    idp.accounts.byEmail(bob.username)!.roles.push('auth0-role-name');
    try {
      const refreshed = await idp.token({ grant_type: 'refresh_token', ...dialChat, refresh_token: first.body.refresh_token });
      expect(refreshed.status).toBe(200);
      const claims = await idp.verify(refreshed.body.access_token!, 'dial-api');
      expect(claims).toMatchObject({ dial_roles: ['auth0-role-name'], gty: 'refresh_token', aud: ['dial-api', `${idp.issuer}userinfo`] });
      expect(refreshed.body.id_token).toBeTruthy();
    } finally {
      idp.accounts.byEmail(bob.username)!.roles.pop();
    }
  });

  it('without an audience and without a default audience, returns an opaque token that only /userinfo takes', async () => {
    const { body } = await idp.token({ grant_type: 'password', ...dialChat, ...alice, scope: 'openid email' });
    expect(body.access_token!.split('.')).toHaveLength(1);
    const userinfo = await fetch(`${idp.httpsUrl}/userinfo`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toEqual({ sub: idp.accounts.byEmail(alice.username)!.user_id, email: alice.username, email_verified: true });
  });
});
