import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type StartedSandbox } from '../sandbox/index.ts';
import { chatStatus } from './support/sandbox-helpers.ts';

describe('POST /__control/tokens: tokens without a browser', () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: process.env.SANDBOX_TEST_STATE_DIR });
  });
  afterAll(() => sandbox.stop());

  const mint = async (body: Record<string, unknown>) => {
    const response = await fetch(`${sandbox.idpUrl}/__control/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { access_token?: string; claims?: Record<string, unknown>; error?: string; error_description?: string } };
  };
  const callCore = (token: string) => chatStatus(sandbox.coreUrl!, token);

  it("mints a user's token with the tenant's current key, the Actions' claims, extra claims and a lifetime; Core takes it", async () => {
    const { body } = await mint({ user: 'alice@example.com', claims: { department: 'research' }, lifetime_seconds: 120 });
    const token = body.access_token!;
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'JWT', kid: sandbox.idp.keys.current.kid });
    const claims = decodeJwt(token);
    // gty: the Actions ran as for a password grant (event.transaction.protocol oauth2-password).
    expect(claims).toMatchObject({ iss: sandbox.issuer, aud: 'dial-api', azp: 'dial-chat', gty: 'password', dial_roles: ['auth0-role-name'], department: 'research' });
    expect(claims.exp! - claims.iat!).toBe(120);
    expect(await callCore(token)).toBe(200);
  });

  it('mints in process (idp.mint) as the endpoint does, writing nothing to the IdP log', async () => {
    const logged = sandbox.idp.requestLog.entries().length;
    const { access_token, claims } = await sandbox.idp.mint({ user: 'alice@example.com' });
    expect(claims).toMatchObject({ sub: sandbox.idp.accounts.byEmail('alice@example.com')!.user_id, dial_roles: ['auth0-role-name'] });
    expect(await callCore(access_token)).toBe(200);
    expect(sandbox.idp.requestLog.entries()).toHaveLength(logged);
  });

  it('skips the Actions when asked: no dial_roles, so Core refuses the model', async () => {
    const { body } = await mint({ user: 'alice@example.com', actions: false });
    expect(decodeJwt(body.access_token!)).not.toHaveProperty('dial_roles');
    expect(await callCore(body.access_token!)).toBe(403);
  });

  it('mints an expired token (negative lifetime), which Core refuses with 401', async () => {
    const { body } = await mint({ user: 'alice@example.com', lifetime_seconds: -60 });
    const claims = decodeJwt(body.access_token!);
    expect(claims.exp!).toBeLessThan(Date.now() / 1000);
    expect(await callCore(body.access_token!)).toBe(401);
  });

  it('mints an M2M token for a client, and overrides any claim it is given', async () => {
    const { body } = await mint({ client_id: 'ci-runner', claims: { dial_roles: ['auth0-role-name'], aud: 'someone-else' } });
    expect(decodeJwt(body.access_token!)).toMatchObject({ sub: 'ci-runner@clients', gty: 'client-credentials', aud: 'someone-else', dial_roles: ['auth0-role-name'] });
  });

  it('says what is wrong with a request it cannot serve', async () => {
    expect(await mint({ user: 'carol@example.com' })).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: 'No user carol@example.com; the users are: alice@example.com, bob@example.com.' } });
    expect((await mint({})).body.error_description).toBe('Name a user (email or user_id) or a client_id.');
  });
});
