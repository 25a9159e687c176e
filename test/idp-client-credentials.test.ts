import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ciRunner, decodeProtectedHeader, startTestIdp, tutorialTenant, type TestIdp } from './support/idp.ts';

describe('mock-idp client_credentials', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    const tenant = tutorialTenant((t) => {
      t.resource_servers.push({ name: 'Reports', identifier: 'https://reports.example/', scopes: ['read:reports', 'write:reports'], token_lifetime: 600, allow_offline_access: false });
      t.client_grants.push({ client_id: 'ci-runner', audience: 'https://reports.example/', scope: ['read:reports'] });
      t.clients.push({ ...t.clients.find((c) => c.client_id === 'ci-runner')!, name: 'odd-client', client_id: 'odd-client', client_secret: 'a:b%c d' });
      t.client_grants.push({ client_id: 'odd-client', audience: 'dial-api', scope: [] });
    });
    idp = await startTestIdp({ tenant });
  });
  afterAll(() => idp.stop());

  it('issues an M2M token shaped as Auth0 does: sub <client_id>@clients, gty client-credentials, aud a string', async () => {
    const { status, body } = await idp.token({ grant_type: 'client_credentials', ...ciRunner, audience: 'dial-api' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 86_400 });
    expect(decodeProtectedHeader(body.access_token!)).toMatchObject({ typ: 'JWT', alg: 'RS256', kid: idp.keys.current.kid });
    const claims = await idp.verify(body.access_token!, 'dial-api');
    expect(claims).toMatchObject({ iss: idp.issuer, sub: 'ci-runner@clients', aud: 'dial-api', azp: 'ci-runner', gty: 'client-credentials' });
    expect(claims).not.toHaveProperty('dial_roles');
  });

  it('grants every scope of the client grant when the request names none, and only those', async () => {
    const all = await idp.token({ grant_type: 'client_credentials', ...ciRunner, audience: 'https://reports.example/' });
    expect(all.body.scope).toBe('read:reports');
    const claims = await idp.verify(all.body.access_token!, 'https://reports.example/');
    expect(claims.scope).toBe('read:reports');
    expect(claims.exp! - claims.iat!).toBe(600);
  });

  it('refuses scopes outside the client grant with 403, as Auth0 does', async () => {
    const response = await idp.token({ grant_type: 'client_credentials', ...ciRunner, audience: 'https://reports.example/', scope: 'read:reports write:reports' });
    expect(response).toEqual({ status: 403, body: { error: 'access_denied', error_description: 'Client has not been granted scopes: write:reports' } });
  });

  it('applies the client grant of the default audience when the request names none', async () => {
    const tenant = tutorialTenant((t) => {
      t.resource_servers.push({ name: 'Reports', identifier: 'https://reports.example/', scopes: ['read:reports', 'write:reports'], token_lifetime: 600, allow_offline_access: false });
      t.client_grants.push({ client_id: 'ci-runner', audience: 'https://reports.example/', scope: ['read:reports'] });
      t.default_audience = 'https://reports.example/';
    });
    await using reports = await startTestIdp({ tenant });
    expect((await reports.token({ grant_type: 'client_credentials', ...ciRunner })).body.scope).toBe('read:reports');
    const refused = await reports.token({ grant_type: 'client_credentials', ...ciRunner, scope: 'read:reports write:reports' });
    expect(refused).toEqual({ status: 403, body: { error: 'access_denied', error_description: 'Client has not been granted scopes: write:reports' } });
  });

  it('takes the client secret in an HTTP Basic header, form-urlencoded as RFC 6749 says', async () => {
    const basic = `Basic ${Buffer.from('ci-runner:ci-runner-secret').toString('base64')}`;
    const { status } = await idp.token({ grant_type: 'client_credentials', audience: 'dial-api' }, { headers: { authorization: basic } });
    expect(status).toBe(200);
    // A secret with a colon, a percent sign and a space travels encoded.
    const encoded = `Basic ${Buffer.from(`odd-client:${encodeURIComponent('a:b%c d').replace(/%20/g, '+')}`).toString('base64')}`;
    expect((await idp.token({ grant_type: 'client_credentials', audience: 'dial-api' }, { headers: { authorization: encoded } })).status).toBe(200);
  });
});
