import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import type { Action } from '../mock-idp/tenant.ts';
import { fixtureAction as fixture, tenantWithActions } from './support/actions.ts';
import { loginThroughBrowser } from './support/browser.ts';
import { alice, bob, dialChat, startTestIdp, type TestIdp } from './support/idp.ts';
import { privateStateDir } from './support/sandbox-helpers.ts';

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

  it('runs an Action in a process of its own: no sandbox files, processes or signals; the network, built-ins and declared modules', async () => {
    const writeTo = join(privateStateDir('escape'), 'written-by-an-action');
    const sandboxFile = fileURLToPath(new URL('../environments/auth0-tutorial/tenant.yaml', import.meta.url));
    idp = await startTestIdp({ tenant: tenantWith(fixture('escapes', { SANDBOX_FILE: sandboxFile, WRITE_TO: writeTo, PROBE_URL: 'pending' }, ['greeting'])) });
    idp.tenant.post_login_actions.at(-1)!.secrets.PROBE_URL = `${idp.httpUrl}/healthz`;
    const { status, body } = await passwordGrant();
    expect(status).toBe(200);
    const outcomes = (await idp.verify(body.access_token!)).outcomes as Record<string, string>;
    expect(outcomes).toMatchObject({
      readSandboxFile: expect.stringMatching(/^refused: ERR_ACCESS_DENIED/),
      writeFile: expect.stringMatching(/^refused: ERR_ACCESS_DENIED/),
      spawn: expect.stringMatching(/^refused: ERR_ACCESS_DENIED/),
      worker: expect.stringMatching(/^refused: ERR_ACCESS_DENIED/),
      signal: expect.stringContaining('refused:  process.kill: the sandbox runs Actions without access to other processes'),
      rawSignal: expect.stringContaining('refused:  process.kill'),
      undeclared: expect.stringMatching(/^refused: MODULE_NOT_FOUND Cannot find module 'vitest': an Action can require only Node's built-in modules and the npm modules listed in its `dependencies`/),
      network: 'allowed: 200',
      declared: 'allowed: hello alice@example.com',
      codeGeneration: 'allowed: 42',
    });
    expect(outcomes.environment).not.toMatch(/SANDBOX|PATH|HOME/);
    expect(existsSync(writeTo)).toBe(false);
  });

  it('fails only the login whose Action exits its process; the next login of any user works', async () => {
    idp = await startTestIdp({ tenant: tenantWith(fixture('misbehaves-for-bob', { MODE: 'exit' })) });
    expect(await passwordGrant(bob)).toEqual({ status: 403, body: { error: 'access_denied', error_description: 'The Action "misbehaves-for-bob" ended unexpectedly' } });
    expect(idp.logs.join('\n')).toContain('Action "misbehaves-for-bob" (');
    expect(idp.logs.join('\n')).toContain('ended its own process (it exited with code 1)');
    expect((await passwordGrant(alice)).status).toBe(200);
    expect((await passwordGrant(bob)).status).toBe(403);
    expect((await passwordGrant(alice)).status).toBe(200);
  });

  for (const mode of ['buffers', 'heap'] as const) {
    it(`ends an Action that fills its memory (${mode === 'buffers' ? 'Buffers, outside the V8 heap' : 'the V8 heap'}) and fails that login alone; the sandbox's own memory does not grow`, async () => {
      idp = await startTestIdp({ tenant: tenantWith(fixture('misbehaves-for-bob', { MODE: mode })) });
      expect((await passwordGrant(alice)).status).toBe(200);
      const before = process.memoryUsage().rss;
      expect(await passwordGrant(bob)).toEqual({ status: 403, body: { error: 'access_denied', error_description: 'Request to Webtask exceeded allowed memory' } });
      expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
      expect(idp.logs.join('\n')).toContain('used more memory than an Action may (128 MiB of heap, 256 MiB in all)');
      expect((await passwordGrant(alice)).status).toBe(200);
    });
  }

  it("keeps other users' logins going while two Actions never resolve", async () => {
    idp = await startTestIdp({ tenant: tenantWith(fixture('misbehaves-for-bob', { MODE: 'hang' })), actionTimeoutMs: 15_000 });
    let stuckSettled = 0;
    const stuck = [passwordGrant(bob), passwordGrant(bob)].map((p) => p.catch(() => undefined).finally(() => stuckSettled++));
    const others = await Promise.all(Array.from({ length: 10 }, () => passwordGrant(alice)));
    expect(others.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(stuckSettled).toBe(0);
    await idp.stop(); // ends the two hung logins with it
    idp = undefined;
    await Promise.all(stuck);
  });
});
