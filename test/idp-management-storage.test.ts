import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { createMemoryLogger } from '../common/log.ts';
import { Directory } from '../mock-idp/directory/directory.ts';
import { createIdp, type Idp } from '../mock-idp/idp.ts';
import type { Tenant } from '../mock-idp/tenant.ts';
import { ciRunner, tutorialTenant } from './support/idp.ts';
import { privateStateDir } from './support/sandbox-helpers.ts';

// What the Management API refuses (Auth0's documented limits for users and metadata) changes nothing, and
// what it accepts is on disk before it is answered: memory and the state folder never disagree.

const tenant = tutorialTenant();
const running: Idp[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((idp) => idp.stop()));
});

async function managementOn(stateDir: string, edit?: (tenant: Tenant) => void) {
  const defined = structuredClone(tenant);
  edit?.(defined);
  const idp = await createIdp({ tenant: defined, stateDir, httpPort: 0, httpsPort: 0, log: createMemoryLogger('mock-idp') });
  running.push(idp);
  const { access_token } = (await (await fetch(`${idp.httpUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', ...ciRunner, audience: `${idp.issuer}api/v2/` }),
  })).json()) as { access_token: string };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${idp.httpUrl}/api/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
  };
  const alice = (await call('GET', '/users-by-email?email=alice@example.com')).body[0] as { user_id: string };
  return { idp, call, alice: `/users/${encodeURIComponent(alice.user_id)}` };
}

const deepJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('Management API: what Auth0 refuses for users and metadata', () => {
  it('refuses metadata nested 5,000 deep with a 400 naming the field, and every later write is still stored', async () => {
    const stateDir = privateStateDir('storage');
    const { call, alice, idp } = await managementOn(stateDir);
    const refused = await call('PATCH', alice, `{"user_metadata":{"deep":${deepJson(5_000)}}}`);
    expect(refused).toEqual({ status: 400, body: { statusCode: 400, error: 'Bad Request', message: "Payload validation error: 'user_metadata is nested more than 100 levels deep' on property user_metadata.", errorCode: 'invalid_body' } });
    expect((await call('GET', alice)).body.user_metadata).toEqual({});

    expect((await call('PATCH', alice, { user_metadata: { theme: 'dark' } })).status).toBe(200);
    expect((await call('POST', '/roles', { name: 'after-the-refusal' })).status).toBe(200);
    await idp.stop();
    const again = await managementOn(stateDir);
    expect((await again.call('GET', again.alice)).body.user_metadata).toEqual({ theme: 'dark' });
    expect((await again.call('GET', '/roles?name_filter=after-the')).body).toHaveLength(1);
  });

  it('answers each of Auth0\'s rules with its 400, and the user is unchanged', async () => {
    const { call, alice } = await managementOn(privateStateDir('storage'));
    const before = (await call('GET', alice)).body;
    const cases: [unknown, string][] = [
      [{ user_metadata: { 'preference.color': 'pink' } }, 'Fields with "." are not allowed, please remove all dotted fields. Example: user_metadata.preference.color'],
      [{ app_metadata: { nested: [{ $where: 1 }] } }, 'Fields with "$" are not allowed, please remove them. Example: app_metadata.nested.0.$where'],
      [{ app_metadata: { blocked: true } }, "Payload validation error: 'blocked is a name Auth0 keeps for itself and cannot be stored in app_metadata' on property app_metadata.blocked."],
      [{ user_metadata: 'dark' }, "Payload validation error: 'Expected type object but found type string' on property user_metadata."],
      [{ blocked: 'yes' }, "Payload validation error: 'Expected type boolean but found type string' on property blocked."],
      [{ email: 'not-an-email' }, "Payload validation error: 'Object didn't pass validation for format email: not-an-email' on property email."],
      [{ roles: ['admin'] }, "Payload validation error: 'Additional properties not allowed: roles'."],
      [[1, 2], "Payload validation error: 'Expected type object but found type array'."],
    ];
    for (const [body, message] of cases) {
      expect(await call('PATCH', alice, body)).toEqual({ status: 400, body: { statusCode: 400, error: 'Bad Request', message, errorCode: 'invalid_body' } });
    }
    expect((await call('GET', alice)).body).toEqual(before);
  });

  it('refuses metadata that would grow past 16 MB, both kinds together', async () => {
    const big = 'x'.repeat(16 * 1024 * 1024 - 60_000);
    const { call, alice } = await managementOn(privateStateDir('storage'), (t) => (t.users[0]!.app_metadata = { big }));
    const refused = await call('PATCH', alice, { user_metadata: { more: 'y'.repeat(90_000) } });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/^Payload validation error: 'user_metadata and app_metadata together would be \d+ bytes; Auth0 keeps at most 16777216 \(16 MB\) per user'\.$/);
    expect((await call('GET', alice)).body.user_metadata).toEqual({});
    expect((await call('PATCH', alice, { user_metadata: { more: 'y'.repeat(50_000) } })).status).toBe(200);
  });
});

describe('Management API storage', () => {
  it('answers 503 and changes nothing when the state folder refuses the write', async () => {
    const stateDir = privateStateDir('storage');
    const { call, alice, idp } = await managementOn(stateDir);
    mkdirSync(join(stateDir, 'directory.journal')); // a folder where the journal should be: every append fails
    const refused = await call('PATCH', alice, { user_metadata: { theme: 'dark' } });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ statusCode: 503, errorCode: 'temporarily_unavailable', message: expect.stringMatching(/^The sandbox could not store this change \(.*EISDIR.*\); nothing was changed\.$/) });
    expect((await call('GET', alice)).body.user_metadata).toEqual({});
    expect((await call('POST', '/roles', { name: 'never-stored' })).status).toBe(503);
    expect((await call('GET', '/roles?name_filter=never')).body).toEqual([]);
    expect(idp.directory.roles.map((r) => r.name)).toEqual(['auth0-role-name']);
  });

  it('drops a write torn by a crash, and goes on appending after the last whole one', async () => {
    const stateDir = privateStateDir('storage');
    const first = new Directory(stateDir, tenant);
    first.commit([{ role: { id: 'rol_kept', name: 'kept' } }]);
    first.close();
    const journal = join(stateDir, 'directory.journal');
    writeFileSync(journal, `${readFileSync(journal, 'utf8')}[{"role":{"id":"rol_torn","na`);

    const second = new Directory(stateDir, tenant);
    expect(second.roles.map((r) => r.name)).toEqual(['auth0-role-name', 'kept']);
    second.commit([{ role: { id: 'rol_next', name: 'next' } }]);
    second.close();
    expect(new Directory(stateDir, tenant).roles.map((r) => r.name)).toEqual(['auth0-role-name', 'kept', 'next']);
  });

  it('ignores a journal older than the snapshot (a crash between the two steps of a compaction)', async () => {
    const stateDir = privateStateDir('storage');
    writeFileSync(join(stateDir, 'directory.json'), JSON.stringify({ defined: 'x', generation: 2, users: [], roles: [{ id: 'rol_snap', name: 'in-snapshot' }] }));
    writeFileSync(join(stateDir, 'directory.journal'), `{"generation":1}\n[{"deleteRole":"rol_snap"}]\n`);
    const directory = new Directory(stateDir, tenant);
    expect(directory.roles.map((r) => r.name)).toEqual(['in-snapshot']);
    directory.commit([{ role: { id: 'rol_new', name: 'new' } }]);
    directory.close();
    expect(readFileSync(join(stateDir, 'directory.journal'), 'utf8').split('\n')[0]).toBe('{"generation":2}');
    expect(new Directory(stateDir, tenant).roles.map((r) => r.name)).toEqual(['in-snapshot', 'new']);
    rmSync(stateDir, { recursive: true, force: true });
  });
});
