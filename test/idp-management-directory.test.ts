import { createHash } from 'node:crypto';

import { ManagementClient } from 'auth0';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type StartedSandbox } from '../sandbox/index.ts';
import { chatStatus, privateStateDir } from './support/sandbox-helpers.ts';

// The Management API's users and roles (docs/auth0.md#management-api), through the official SDK.

describe('Management API: users, roles and assignments', () => {
  let sandbox: StartedSandbox;
  let management: ManagementClient;
  const stateDir = privateStateDir('directory');
  const callCore = (token: string) => chatStatus(sandbox.coreUrl!, token);
  const start = async () => {
    sandbox = await startSandbox(undefined, { stateDir });
    management = new ManagementClient({ domain: new URL(sandbox.issuer).host, clientId: 'ci-runner', clientSecret: 'ci-runner-secret' });
  };

  beforeAll(start);
  afterAll(() => sandbox.stop());

  it('creates a user and a role, assigns it, and the next login carries it to DIAL Core; the token issued before does not', async () => {
    const version = sandbox.idp.directory.version;
    const carol = await management.users.create({ connection: 'Username-Password-Authentication', email: 'carol@example.com', password: 'carol', name: 'Carol' });
    expect(carol).toMatchObject({ email: 'carol@example.com', name: 'Carol', nickname: 'carol', identities: [{ connection: 'Username-Password-Authentication', provider: 'auth0', isSocial: false }] });
    expect(carol.user_id).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(carol).not.toHaveProperty('password');
    expect(sandbox.idp.directory.version).toBeGreaterThan(version);
    // No picture given: Auth0 gives one (a Gravatar URL); the sandbox its own default, on the IdP's origin.
    expect(carol.picture).toBe(`${new URL(sandbox.issuer).origin}/avatar/${createHash('md5').update('carol@example.com').digest('hex')}.svg`);

    const before = await sandbox.token('carol@example.com');
    expect(decodeJwt(before).dial_roles).toEqual([]);
    expect(await callCore(before)).toBe(403);

    const roles = await management.roles.list({ name_filter: 'auth0-role' });
    const tutorialRole = roles.data[0]!;
    expect(tutorialRole).toMatchObject({ name: 'auth0-role-name', id: expect.stringMatching(/^rol_/) });
    await management.users.roles.assign(carol.user_id!, { roles: [tutorialRole.id!] });
    expect((await management.users.roles.list(carol.user_id!)).data.map((r) => r.name)).toEqual(['auth0-role-name']);

    const after = await sandbox.token('carol@example.com');
    expect(decodeJwt(after).dial_roles).toEqual(['auth0-role-name']);
    expect(await callCore(after)).toBe(200);
    // The bug people report: the role is assigned, but the token they hold was issued before it.
    expect(await callCore(before)).toBe(403);

    const admins = await management.roles.create({ name: 'dial-admin', description: 'Admins' });
    await management.roles.users.assign(admins.id!, { users: [carol.user_id!] });
    expect((await management.roles.users.list(admins.id!)).data).toEqual([{ user_id: carol.user_id, email: 'carol@example.com', name: 'Carol', picture: carol.picture }]);
    await management.roles.update(admins.id!, { name: 'dial-admins' });
    expect(decodeJwt(await sandbox.token('carol@example.com')).dial_roles).toEqual(['auth0-role-name', 'dial-admins']);
    await management.users.roles.delete(carol.user_id!, { roles: [tutorialRole.id!] });
    await management.roles.delete(admins.id!);
    expect(decodeJwt(await sandbox.token('carol@example.com')).dial_roles).toEqual([]);
  });

  it('lists, pages, searches, patches and deletes users', async () => {
    const all = await management.users.list({ include_totals: true, per_page: 2, page: 0 });
    expect(all.data).toHaveLength(2);
    expect(all.response).toMatchObject({ start: 0, limit: 2, length: 2, total: 3 });
    const second = await management.users.list({ include_totals: true, per_page: 2, page: 1 });
    expect(second.data).toHaveLength(1);
    expect((await management.users.list({ q: 'email:"alice@example.com"' })).data.map((u) => u.email)).toEqual(['alice@example.com']);
    expect((await management.users.list({ q: 'email:ca*' })).data.map((u) => u.email)).toEqual(['carol@example.com']);
    const [carol] = await management.users.listUsersByEmail({ email: 'CAROL@example.com' });
    const patched = await management.users.update(carol!.user_id!, { app_metadata: { team: 'dial' }, given_name: 'Carol' });
    expect(patched).toMatchObject({ app_metadata: { team: 'dial' }, given_name: 'Carol' });
    expect(Date.parse(patched.updated_at as string)).toBeGreaterThan(Date.parse(carol!.updated_at as string) - 1);
    await management.users.delete(carol!.user_id!);
    await expect(management.users.get(carol!.user_id!)).rejects.toMatchObject({ statusCode: 404, body: { statusCode: 404, error: 'Not Found', message: 'The user does not exist.', errorCode: 'inexistent_user' } });
  });

  it('returns only the fields asked for (fields, include_fields), or all but them', async () => {
    const listed = await management.users.list({ fields: 'email,user_id', include_fields: true });
    expect(listed.data.map((u) => Object.keys(u).sort())).toEqual(listed.data.map(() => ['email', 'user_id']));
    const alice = listed.data.find((u) => u.email === 'alice@example.com')!;
    const without = await management.users.get(alice.user_id!, { fields: 'identities,picture', include_fields: false });
    expect(without).toMatchObject({ email: 'alice@example.com', user_id: alice.user_id });
    expect(without).not.toHaveProperty('identities');
    expect(without).not.toHaveProperty('picture');
    expect(await management.users.listUsersByEmail({ email: 'alice@example.com', fields: 'name' })).toEqual([{ name: 'Alice' }]);
    await expect(management.users.list({ fields: 'email,password' })).rejects.toMatchObject({ statusCode: 400, body: { errorCode: 'invalid_query_string', message: expect.stringContaining('on property fields') } });
  });

  it('answers bad requests as Auth0 does', async () => {
    await expect(management.users.create({ email: 'alice@example.com', password: 'x' } as never)).rejects.toMatchObject({ statusCode: 400, body: { errorCode: 'invalid_body' } });
    await expect(management.users.create({ connection: 'Username-Password-Authentication', email: 'alice@example.com', password: 'x' })).rejects.toMatchObject({ statusCode: 409, body: { message: 'The user already exists.' } });
    const alice = (await management.users.listUsersByEmail({ email: 'alice@example.com' }))[0]!;
    await expect(management.users.create({ connection: 'Username-Password-Authentication', email: 'other@example.com', password: 'x', user_id: alice.user_id!.replace('auth0|', '') })).rejects.toMatchObject({ statusCode: 409 });
    await expect(management.roles.create({ name: 'auth0-role-name' })).rejects.toMatchObject({ statusCode: 409 });
    await expect(management.users.roles.assign('auth0|nobody', { roles: ['rol_x'] })).rejects.toMatchObject({ statusCode: 404, body: { errorCode: 'inexistent_user' } });
    await expect(management.users.list({ per_page: 101 })).rejects.toMatchObject({ statusCode: 400, body: { errorCode: 'invalid_query_string' } });
  });

  it('keeps changes across a restart, and reset restores the tenant as defined', async () => {
    await management.users.create({ connection: 'Username-Password-Authentication', email: 'dave@example.com', password: 'dave' });
    await sandbox.stop();
    await start();
    expect((await management.users.listUsersByEmail({ email: 'dave@example.com' }))).toHaveLength(1);
    expect(await (await fetch(`${sandbox.idpUrl}/__control/reset`, { method: 'POST' })).json()).toEqual({ users: 2, roles: 1 });
    expect((await management.users.listUsersByEmail({ email: 'dave@example.com' }))).toHaveLength(0);
  });
});
