import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { alice, ciRunner, dialChat, startTestIdp, tutorialTenant, type TestIdp } from './support/idp.ts';

const NO_CLIENT_GRANT =
  'Client is not authorized to access "https://reports.example/". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants';

describe('mock-idp answers bad token requests as Auth0 does', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    const tenant = tutorialTenant((t) => {
      t.resource_servers.push({ name: 'Reports', identifier: 'https://reports.example/', scopes: [], token_lifetime: 600, allow_offline_access: false });
    });
    idp = await startTestIdp({ tenant });
  });
  afterAll(() => idp.stop());

  it.each([
    ['a wrong client secret', { grant_type: 'client_credentials', client_id: 'ci-runner', client_secret: 'nope', audience: 'dial-api' }, 401, 'access_denied', 'Unauthorized'],
    ['an unknown client', { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x', audience: 'dial-api' }, 401, 'access_denied', 'Unauthorized'],
    ['client_credentials without an audience', { grant_type: 'client_credentials', ...ciRunner }, 403, 'access_denied', 'No audience parameter was provided, and no default audience has been configured'],
    ['an audience the client has no client grant for', { grant_type: 'client_credentials', ...ciRunner, audience: 'https://reports.example/' }, 403, 'access_denied', NO_CLIENT_GRANT],
    ['an audience that is no API of the tenant', { grant_type: 'client_credentials', ...ciRunner, audience: 'https://nowhere.example/' }, 403, 'access_denied', 'Service not found: https://nowhere.example/'],
    ['a wrong password', { grant_type: 'password', ...dialChat, username: alice.username, password: 'wrong', audience: 'dial-api' }, 403, 'invalid_grant', 'Wrong email or password.'],
    ['an unknown user', { grant_type: 'password', ...dialChat, username: 'eve@example.com', password: 'eve', audience: 'dial-api' }, 403, 'invalid_grant', 'Wrong email or password.'],
    ['a grant type the application does not have', { grant_type: 'password', ...ciRunner, ...alice, audience: 'dial-api' }, 403, 'unauthorized_client', "Grant type 'password' not allowed for the client."],
    ['an unknown refresh token', { grant_type: 'refresh_token', ...dialChat, refresh_token: 'not-a-token' }, 403, 'invalid_grant', 'Unknown or invalid refresh token.'],
    ['an unknown authorization code', { grant_type: 'authorization_code', ...dialChat, code: 'not-a-code', redirect_uri: 'http://localhost:3000/api/auth/callback/auth0' }, 403, 'invalid_grant', 'Invalid authorization code'],
  ])('rejects %s', async (_case, body, status, error, description) => {
    const response = await idp.token(body);
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error, error_description: description });
  });

  it('rejects a malformed JSON body with 400 invalid_request', async () => {
    const response = await fetch(`${idp.httpsUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type": "password",' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_request', error_description: 'Invalid request payload JSON format' });
  });

  it.each([
    ['a secret cut at a second colon', 'ci-runner:ci-runner-secret:x'],
    ['a malformed %-escape', 'ci-runner:%E0%A4%A'],
    ['no colon at all', 'ci-runner'],
  ])('rejects HTTP Basic credentials with %s as Unauthorized, never a 500', async (_case, pair) => {
    const response = await idp.token({ grant_type: 'client_credentials', audience: 'dial-api' }, { headers: { authorization: `Basic ${Buffer.from(pair).toString('base64')}` } });
    expect(response).toEqual({ status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } });
  });
});
