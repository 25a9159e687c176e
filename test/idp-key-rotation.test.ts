import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ManagementClient } from 'auth0';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ManualClock } from '../common/clock.ts';
import { loadOrCreateSigningKeys } from '../mock-idp/keys.ts';
import { startSandbox, type StartedSandbox } from '../sandbox/index.ts';
import { chatStatus, privateStateDir } from './support/sandbox-helpers.ts';

// Auth0's rotation (docs/auth0.md#signing-keys) and what DIAL Core makes of it: Core caches each
// kid's key for 10 minutes and fetches the JWKS again for a kid it has not seen (docs/dial-core.md#jwks-cache).


const kidOf = (token: string) => decodeProtectedHeader(token).kid;

describe('signing keys as Auth0 rotates them, through the Management API', () => {
  let sandbox: StartedSandbox;
  let management: ManagementClient;
  let stateDir: string;
  const clock = new ManualClock(Date.now() + 5_000);

  const callCore = (token: string) => chatStatus(sandbox.coreUrl!, token);
  const jwksKids = async () => ((await (await fetch(`${sandbox.idpUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

  // The SDK unmodified: it asks https://<domain>/oauth/token for the https://<domain>/api/v2/ audience.
  const managementClient = () => new ManagementClient({ domain: new URL(sandbox.issuer).host, clientId: 'ci-runner', clientSecret: 'ci-runner-secret' });

  beforeAll(async () => {
    stateDir = privateStateDir('keys');
    sandbox = await startSandbox(undefined, { stateDir, clock });
    management = managementClient();
  });
  afterAll(() => sandbox.stop());

  it('lists the current and the next key, as the JWKS publishes them', async () => {
    const keys = await management.keys.signing.list();
    expect(keys.map((k) => [k.current, k.next, k.previous, k.revoked])).toEqual([[false, true, false, false], [true, false, false, false]]);
    expect(keys[0]!.cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(keys[0]!.pkcs7).toMatch(/^-----BEGIN PKCS7-----/);
    expect(keys[0]!.fingerprint).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(await jwksKids()).toEqual([keys[1]!.kid, keys[0]!.kid]);
    expect((await management.keys.signing.get(keys[1]!.kid)).current).toBe(true);
  });

  it('rotates: the next key signs, the old one stays published as previous and Core keeps accepting both tokens; revoked, Core drops it once its cache entry expires', async () => {
    const [next, current] = await management.keys.signing.list();
    const before = await sandbox.token('alice@example.com');
    expect(kidOf(before)).toBe(current!.kid);
    expect(await callCore(before)).toBe(200);

    const rotated = await management.keys.signing.rotate();
    expect(rotated.kid).toBe(next!.kid);
    const after = await sandbox.token('alice@example.com');
    expect(kidOf(after)).toBe(next!.kid);
    const published = await jwksKids();
    expect(published).toHaveLength(3);
    expect(published[0]).toBe(next!.kid);
    expect(published[2]).toBe(current!.kid);
    expect(await callCore(after)).toBe(200);
    expect(await callCore(before)).toBe(200);
    expect((await management.keys.signing.list()).find((k) => k.kid === current!.kid)).toMatchObject({ previous: true, current: false });

    await management.keys.signing.revoke(current!.kid);
    expect(await jwksKids()).not.toContain(current!.kid);
    // The SDK's own cached token was signed with the revoked key: like every such token, it is refused now.
    await expect(management.keys.signing.list()).rejects.toMatchObject({ statusCode: 401 });
    management = managementClient();
    // Core still holds the revoked key in its cache (docs/dial-core.md#jwks-cache: a revoked key stays
    // trusted up to 10 min).
    expect(await callCore(before)).toBe(200);
    clock.advance(10 * 60_000 + 1_000);
    expect(await callCore(before)).toBe(401);
    expect(await callCore(await sandbox.token('alice@example.com'))).toBe(200);
    expect((await management.keys.signing.list()).find((k) => k.kid === current!.kid)).toMatchObject({ revoked: true, previous: true });
  });

  it('keeps the ring in the state folder, so a restart publishes the same keys', async () => {
    const onDisk = JSON.parse(readFileSync(join(stateDir, 'keys/signing-keys.json'), 'utf8')) as { keys: { kid: string; revoked_at?: string }[] };
    expect(onDisk.keys).toHaveLength(3);
    expect(onDisk.keys[0]!.revoked_at).toBeDefined();
    expect(loadOrCreateSigningKeys(stateDir, 'localhost').published().map((k) => k.kid)).toEqual(await jwksKids());
  });

  it('answers as Auth0 does: the key that signs cannot be revoked, an unknown kid is 404, and a token needs the scope', async () => {
    const [, current] = await management.keys.signing.list();
    const api = `${sandbox.idpUrl}/api/v2/keys/signing`;
    const m2m = await (await fetch(`${sandbox.idpUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'ci-runner', client_secret: 'ci-runner-secret', audience: `${sandbox.issuer}api/v2/`, scope: 'read:signing_keys' }),
    })).json() as { access_token: string };
    const call = (path: string, method = 'GET', token = m2m.access_token) => fetch(`${api}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} }).then(async (r) => ({ status: r.status, body: await r.json() }));

    expect(await call('', 'GET', '')).toEqual({ status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'Missing authentication', errorCode: 'missing_authentication' } });
    expect((await call('', 'GET', await sandbox.token('alice@example.com'))).body).toMatchObject({ statusCode: 401, message: 'Invalid token' });
    expect(await call('/rotate', 'POST')).toEqual({ status: 403, body: { statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: create:signing_keys', errorCode: 'insufficient_scope' } });
    expect((await call('/no-such-kid')).body).toMatchObject({ statusCode: 404, errorCode: 'inexistent_signing_key' });
    await expect(management.keys.signing.revoke(current!.kid)).rejects.toMatchObject({ statusCode: 400 });
  });
});
