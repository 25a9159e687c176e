import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

import { AuthenticationClient } from 'auth0/legacy';
import express from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { alice, bob, ciRunner, dialChat, startTestIdp, tutorialTenant, type TestIdp } from './support/idp.ts';

describe('real Auth0 clients against mock-idp over HTTPS', () => {
  let idp: TestIdp;
  let domain: string;
  beforeAll(async () => {
    const tenant = tutorialTenant((t) => {
      t.resource_servers.push({ name: 'Reports', identifier: 'https://reports.example/', scopes: [], token_lifetime: 600, allow_offline_access: false });
      t.client_grants.push({ client_id: 'ci-runner', audience: 'https://reports.example/', scope: [] });
    });
    idp = await startTestIdp({ tenant });
    domain = new URL(idp.issuer).host; // localhost:<port>, as one would give the SDK a tenant domain
  });
  afterAll(() => idp.stop());

  it('the auth0 SDK password grant returns a token with dial_roles and an ID token it validates itself', async () => {
    const auth0 = new AuthenticationClient({ domain, clientId: dialChat.client_id, clientSecret: dialChat.client_secret });
    const { data } = await auth0.oauth.passwordGrant({ ...alice, audience: 'dial-api', scope: 'openid profile email' });
    // The SDK checked the ID token's signature against /.well-known/jwks.json and its issuer against https://<domain>/.
    expect(data.id_token).toBeTruthy();
    expect((await idp.verify(data.access_token, 'dial-api')).dial_roles).toEqual(['auth0-role-name']);
  });

  it('the auth0 SDK client credentials grant returns an M2M token for dial-api', async () => {
    const auth0 = new AuthenticationClient({ domain, clientId: ciRunner.client_id, clientSecret: ciRunner.client_secret });
    const { data } = await auth0.oauth.clientCredentialsGrant({ audience: 'dial-api' });
    expect(await idp.verify(data.access_token, 'dial-api')).toMatchObject({ sub: 'ci-runner@clients', gty: 'client-credentials' });
  });

  it('the auth0 SDK surfaces the Auth0 error of a wrong password', async () => {
    const auth0 = new AuthenticationClient({ domain, clientId: dialChat.client_id, clientSecret: dialChat.client_secret });
    await expect(auth0.oauth.passwordGrant({ ...alice, password: 'nope', audience: 'dial-api' })).rejects.toMatchObject({
      statusCode: 403,
      body: expect.stringContaining('Wrong email or password.'),
    });
  });

  describe('express-oauth2-jwt-bearer protecting an API with audience dial-api', () => {
    let api: string;
    let server: import('node:http').Server;
    beforeAll(async () => {
      const app = express();
      app.use(auth({ issuerBaseURL: idp.issuer, audience: 'dial-api' }));
      app.get('/roles', (req, res) => void res.json({ roles: req.auth?.payload.dial_roles }));
      app.use((error: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(error.status ?? 500).end());
      server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    const call = (token?: string) => fetch(`${api}/roles`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

    it("accepts alice's and bob's user tokens and the M2M token, and reads dial_roles", async () => {
      const forAlice = await idp.token({ grant_type: 'password', ...dialChat, ...alice, audience: 'dial-api', scope: 'openid' });
      expect(await (await call(forAlice.body.access_token)).json()).toEqual({ roles: ['auth0-role-name'] });
      const forBob = await idp.token({ grant_type: 'password', ...dialChat, ...bob, audience: 'dial-api' });
      expect(await (await call(forBob.body.access_token)).json()).toEqual({ roles: [] });
      const m2m = await idp.token({ grant_type: 'client_credentials', ...ciRunner, audience: 'dial-api' });
      expect((await call(m2m.body.access_token)).status).toBe(200);
    });

    it('rejects no token, an opaque token and a token for another audience', async () => {
      expect((await call()).status).toBe(401);
      const opaque = await idp.token({ grant_type: 'password', ...dialChat, ...alice, scope: 'openid' });
      expect((await call(opaque.body.access_token)).status).toBe(401);
      const elsewhere = await idp.token({ grant_type: 'client_credentials', ...ciRunner, audience: 'https://reports.example/' });
      expect(elsewhere.status).toBe(200);
      expect((await call(elsewhere.body.access_token)).status).toBe(401);
    });
  });
});
