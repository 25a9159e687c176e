import { afterEach, describe, expect, it } from 'vitest';

import type { Action } from '../mock-idp/tenant.ts';
import { fixtureAction as fixture, tenantWithActions } from './support/actions.ts';
import { loginThroughBrowser } from './support/browser.ts';
import { alice, bob, dialChat, startTestIdp, type TestIdp } from './support/idp.ts';

const CALLBACK = 'http://localhost:3000/api/auth/callback/auth0';
const tenantWith = (...actions: Action[]) => tenantWithActions(actions);

describe('the Post-Login Actions runtime', () => {
  let idp: TestIdp | undefined;
  afterEach(async () => {
    await idp?.stop();
    idp = undefined;
  });

  const passwordGrant = (user = alice) => idp!.token({ grant_type: 'password', ...dialChat, ...user, audience: 'dial-api', scope: 'openid' });

  it('fails the login with 403 access_denied and the error when an Action throws, and logs its name, error and console output', async () => {
    idp = await startTestIdp({ tenant: tenantWith(fixture('throws')) });
    expect(await passwordGrant()).toEqual({ status: 403, body: { error: 'access_denied', error_description: 'the CRM is down' } });
    const log = idp.logs.join('\n');
    expect(log).toContain('Action "throws" console: checking alice@example.com');
    expect(log).toMatch(/Action "throws" \(.*throws\.js\) threw; the login fails\.\nError: the CRM is down/);
  });

  it('answers 403 access_denied with the reason at /oauth/token when an Action denies, and lets others through', async () => {
    idp = await startTestIdp({ tenant: tenantWith(fixture('denies')) });
    expect(await passwordGrant(bob)).toEqual({ status: 403, body: { error: 'access_denied', error_description: 'Only members of auth0-role-name may use DIAL' } });
    expect((await passwordGrant(alice)).status).toBe(200);
  });

  it('redirects to the callback with error=access_denied and the reason when an Action denies an interactive login', async () => {
    idp = await startTestIdp({ tenant: tenantWith(fixture('denies')) });
    const url = new URL(`${idp.issuer}authorize`);
    url.search = new URLSearchParams({ response_type: 'code', client_id: 'dial-chat', redirect_uri: CALLBACK, scope: 'openid', state: 's1', audience: 'dial-api' }).toString();
    const landing = await loginThroughBrowser(url, { email: bob.username, password: bob.password }, CALLBACK);
    expect(Object.fromEntries(landing.url.searchParams)).toMatchObject({ error: 'access_denied', error_description: 'Only members of auth0-role-name may use DIAL', state: 's1' });
  });

  it('stops an Action that loops forever at the flow time limit and fails the login as Auth0 does', async () => {
    idp = await startTestIdp({ tenant: tenantWith(fixture('loops')), actionTimeoutMs: 300 });
    expect(await passwordGrant()).toEqual({ status: 403, body: { error: 'access_denied', error_description: 'Request to Webtask exceeded allowed execution time' } });
    expect(idp.logs.join('\n')).toContain('Action "loops"');
  });

  it("stops only the looping login: the others, at the same time and after, go through", async () => {
    idp = await startTestIdp({ tenant: tenantWith(fixture('loops-for-bob')), actionTimeoutMs: 400 });
    const stuck = passwordGrant(bob);
    const others = await Promise.all(Array.from({ length: 10 }, () => passwordGrant(alice)));
    expect(others.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect((await stuck).body.error_description).toBe('Request to Webtask exceeded allowed execution time');
    expect((await passwordGrant(alice)).status).toBe(200);
    expect(idp.logs.join('\n')).not.toContain('"DIAL role" threw');
  });

  it('runs the Actions in binding order, and none after one that denies', async () => {
    idp = await startTestIdp({ tenant: tenantWith(fixture('first'), fixture('second')) });
    expect((await passwordGrant()).status).toBe(200);
    const ran = idp.logs.filter((l) => l.includes(' ran'));
    expect(ran).toEqual(['[mock-idp] Action "first" console: first ran for alice@example.com with oauth2-password', '[mock-idp] Action "second" console: second ran']);

    await idp.stop();
    idp = await startTestIdp({ tenant: tenantWith(fixture('deny-all'), fixture('first')) });
    expect((await passwordGrant()).body.error_description).toBe('closed');
    expect(idp.logs.join('\n')).not.toContain('first ran');
  });

  it('removes a scope from the access token when an Action calls removeScope', async () => {
    idp = await startTestIdp({ tenant: tenantWithActions([fixture('second')], (t) => (t.resource_servers[0]!.scopes = ['chat:read', 'chat:write'])) });
    const { body } = await idp.token({ grant_type: 'password', ...dialChat, ...alice, audience: 'dial-api', scope: 'openid chat:read chat:write' });
    expect((await idp.verify(body.access_token!)).scope).toBe('openid chat:read');
    // A minted token carries what a login gives: the Action's scope change, and /userinfo in aud with openid.
    const minted = await fetch(`${idp.httpUrl}/__control/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: alice.username, scope: 'openid chat:read chat:write' }) });
    expect(((await minted.json()) as { claims: Record<string, unknown> }).claims).toMatchObject({ scope: 'openid chat:read', aud: ['dial-api', `${idp.issuer}userinfo`] });
  });

  it('drops restricted claims silently as Auth0 does, keeps namespaced and ID-token claims, and passes secrets', async () => {
    idp = await startTestIdp({ tenant: tenantWith(fixture('restricted-claims', { API_TOKEN: 's3cr3t' })) });
    const { status, body } = await passwordGrant();
    expect(status).toBe(200);
    const access = await idp.verify(body.access_token!);
    expect(access).not.toHaveProperty('roles');
    expect(access['https://dial.example/roles']).toEqual(['auth0-role-name']);
    expect(access.dial_roles).toEqual(['auth0-role-name']);
    expect(access.scope).toBe('openid chat:write');
    const id = await idp.verify(body.id_token!, 'dial-chat');
    expect(id.department).toBe('none');
    expect(id.sub).toBe(idp.accounts.byEmail(alice.username)!.user_id);
    const log = idp.logs.join('\n');
    expect(log).toContain('restricted claim "roles"');
    expect(log).toContain('restricted claim "sub"');
    expect(log).toContain('secret is s3cr3t protocol oauth2-password');
  });

  it('runs on interactive login too, where the ID token gets the Action\'s ID-token claims', async () => {
    idp = await startTestIdp({ tenant: tenantWith(fixture('restricted-claims', { API_TOKEN: 't' })) });
    const url = new URL(`${idp.issuer}authorize`);
    url.search = new URLSearchParams({ response_type: 'code', client_id: 'dial-chat', redirect_uri: CALLBACK, scope: 'openid', audience: 'dial-api' }).toString();
    const landing = await loginThroughBrowser(url, { email: alice.username, password: alice.password }, CALLBACK);
    const { body } = await idp.token({ grant_type: 'authorization_code', ...dialChat, code: landing.url.searchParams.get('code'), redirect_uri: CALLBACK });
    expect((await idp.verify(body.id_token!, 'dial-chat')).department).toBe('none');
    expect(await idp.verify(body.access_token!, 'dial-api')).toMatchObject({
      dial_roles: ['auth0-role-name'],
      seen_protocol: 'oidc-basic-profile',
      // The authorization request as the application sent it.
      seen_request_query: { response_type: 'code', client_id: 'dial-chat', redirect_uri: CALLBACK, scope: 'openid', audience: 'dial-api' },
    });
  });

  it('keeps credentials out of event.request.body', async () => {
    idp = await startTestIdp({ tenant: tenantWith(fixture('restricted-claims', { API_TOKEN: 't' })) });
    const { body } = await passwordGrant();
    expect((await idp.verify(body.access_token!)).seen_request_body).toEqual(['audience', 'client_id', 'grant_type', 'scope', 'username']);
  });

  it('gives Actions no modules, no network, no process and no code generation', async () => {
    idp = await startTestIdp({ tenant: tenantWith(fixture('reaches-out')) });
    const { body } = await passwordGrant();
    const outcomes = (await idp.verify(body.access_token!)).outcomes as string[];
    expect(outcomes).toHaveLength(4);
    expect(outcomes[0]).toContain('require("fs")');
    expect(outcomes[1]).toContain('without network access');
    expect(outcomes[2]).toMatch(/process is not defined/);
    expect(outcomes[3]).toMatch(/Code generation from strings disallowed/);
  });
});
