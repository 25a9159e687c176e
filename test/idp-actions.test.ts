import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

import { afterEach, describe, expect, it } from 'vitest';

import type { Action, Tenant } from '../mock-idp/tenant.ts';
import { loginThroughBrowser } from './support/browser.ts';
import { alice, bob, dialChat, startTestIdp, tutorialTenant, type TestIdp } from './support/idp.ts';

const CALLBACK = 'http://localhost:3000/api/auth/callback/auth0';

function fixture(name: string, secrets: Record<string, string> = {}): Action {
  const file = fileURLToPath(new URL(`./fixtures/actions/${name}.js`, import.meta.url));
  return { name, file, code: readFileSync(file, 'utf8'), secrets };
}

/** The tutorial tenant with these Actions bound to Post-Login, after the tutorial's own. */
function tenantWith(...actions: Action[]): Tenant {
  return tutorialTenant((t) => t.post_login_actions.push(...actions));
}

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
    // The runtime recovers: the next login gets a fresh worker (and fails the same way, the Action being what it is).
    expect((await passwordGrant()).status).toBe(403);
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
    expect(await idp.verify(body.access_token!, 'dial-api')).toMatchObject({ dial_roles: ['auth0-role-name'], seen_protocol: 'oidc-basic-profile' });
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
