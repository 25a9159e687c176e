import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { startMain } from './support/main-process.ts';
import { privateStateDir } from './support/sandbox-helpers.ts';

// Management API writes are made durable (journal append + fdatasync) before they are answered, so kill -9
// at any moment leaves state files that parse and hold every write a client saw acknowledged, and nothing a
// client saw refused. Several rounds on one state folder: each starts from what the last one left, and the
// metadata writes are large enough that the journal is folded into the snapshot during the rounds.

const ROUNDS = 4;
const ROLE_WRITERS = 4;
const METADATA_WRITERS = 4;
const PADDING = 'x'.repeat(40_000);

describe('Management API state under kill -9', () => {
  it('keeps exactly the acknowledged writes through rounds of concurrent writers killed at random moments', async () => {
    const stateDir = privateStateDir('crash');
    const random = seededRandom(11);
    const sentRoles = new Set<string>();
    const acknowledgedRoles = new Set<string>();
    const metadataUsers: { id: string; sent: number; acknowledged: number }[] = [];
    let refused = 0;

    for (let round = 0; round <= ROUNDS; round++) {
      const idp = await startIdp(stateDir);
      // What the last round left, read back through a fresh IdP: the stored state as a restart loads it.
      const stored = await storedState(idp.api, metadataUsers.map((u) => u.id));
      if (round === 0) stored.roles.forEach((name) => sentRoles.add(name)); // the tenant's own
      expect([...acknowledgedRoles].filter((name) => !stored.roles.has(name))).toEqual([]);
      expect([...stored.roles].filter((name) => !sentRoles.has(name))).toEqual([]);
      for (const user of metadataUsers) {
        const seq = stored.seqs.get(user.id)!;
        expect(seq).toBeGreaterThanOrEqual(user.acknowledged);
        expect(seq).toBeLessThanOrEqual(user.sent);
        user.acknowledged = user.sent = seq; // what is stored is the new baseline
      }
      expect(stored.refusedKeys).toBe(0);
      if (round === ROUNDS) {
        await idp.stop();
        break;
      }

      if (round === 0) {
        for (let i = 0; i < METADATA_WRITERS; i++) {
          const created = await idp.api('POST', '/users', { connection: 'Username-Password-Authentication', email: `writer-${i}@example.com`, password: 'pw', user_metadata: { seq: 0 } });
          metadataUsers.push({ id: ((await created.json()) as { user_id: string }).user_id, sent: 0, acknowledged: 0 });
        }
      }

      const killAfter = 10 + Math.floor(random() * 60);
      let acknowledgedThisRound = 0;
      const acknowledge = () => {
        if (++acknowledgedThisRound === killAfter) idp.child.kill('SIGKILL');
      };
      const roleWriter = async () => {
        for (;;) {
          const name = `round-${round}-${sentRoles.size}`;
          sentRoles.add(name);
          const response = await idp.api('POST', '/roles', { name }).catch(() => undefined);
          if (!response) return; // the process is gone
          if (response.ok) {
            acknowledgedRoles.add(name);
            acknowledge();
          }
        }
      };
      const metadataWriter = async (user: (typeof metadataUsers)[number]) => {
        for (;;) {
          const seq = ++user.sent;
          const response = await idp.api('PATCH', `/users/${encodeURIComponent(user.id)}`, { user_metadata: { seq, padding: PADDING } }).catch(() => undefined);
          if (!response) return;
          if (response.ok) {
            user.acknowledged = seq;
            acknowledge();
          }
        }
      };
      // From the second round on, writes that must be refused are mixed in: they change nothing.
      const refusedWriter = async () => {
        const target = metadataUsers[0]!.id;
        for (let i = 0; ; i++) {
          const body = i % 2 ? { user_metadata: { 'refused.key': true } } : `{"user_metadata":{"refused":${nestedJson(5_000)}}}`;
          const response = await idp.api('PATCH', `/users/${encodeURIComponent(target)}`, body).catch(() => undefined);
          if (!response) return;
          expect(response.status).toBe(400);
          refused++;
        }
      };
      const exited = once(idp.child, 'exit');
      await Promise.all([
        ...Array.from({ length: ROLE_WRITERS }, roleWriter),
        ...metadataUsers.map(metadataWriter),
        ...(round > 0 ? [refusedWriter()] : []),
      ]);
      await exited;
      expect(acknowledgedThisRound).toBeGreaterThanOrEqual(killAfter);
      expectFilesParse(stateDir);
    }
    expect(refused).toBeGreaterThan(0);
    // The journal was folded into the snapshot during the rounds, so kills met that path too.
    expect((JSON.parse(readFileSync(join(stateDir, 'directory.json'), 'utf8')) as { generation: number }).generation).toBeGreaterThan(0);
    expect(acknowledgedRoles.size).toBeGreaterThan(ROUNDS * 5);
  }, 60_000);
});

async function startIdp(stateDir: string) {
  const idp = await startMain('mock-idp/main.ts', { SANDBOX_STATE_DIR: stateDir, SANDBOX_IDP_HTTP_PORT: '0', SANDBOX_IDP_HTTPS_PORT: '0' });
  const httpUrl = /(http:\/\/127\.0\.0\.1:\d+)/.exec(idp.line)![1]!;
  const issuer = /issuer (https:\/\/\S+\/)/.exec(idp.line)![1]!;
  const { access_token } = (await (await fetch(`${httpUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'ci-runner', client_secret: 'ci-runner-secret', audience: `${issuer}api/v2/` }),
  })).json()) as { access_token: string };
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${httpUrl}/api/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { ...idp, api };
}

type Api = Awaited<ReturnType<typeof startIdp>>['api'];

async function storedState(api: Api, userIds: string[]) {
  const roles = new Set<string>();
  for (let page = 0; ; page++) {
    const { roles: slice, total } = (await (await api('GET', `/roles?per_page=100&page=${page}&include_totals=true`)).json()) as { roles: { name: string }[]; total: number };
    slice.forEach((r) => roles.add(r.name));
    if ((page + 1) * 100 >= total) break;
  }
  const seqs = new Map<string, number>();
  let refusedKeys = 0;
  for (const id of userIds) {
    const { user_metadata } = (await (await api('GET', `/users/${encodeURIComponent(id)}`)).json()) as { user_metadata: Record<string, unknown> };
    seqs.set(id, user_metadata.seq as number);
    refusedKeys += Number('refused' in user_metadata || 'refused.key' in user_metadata);
  }
  return { roles, seqs, refusedKeys };
}

/** The snapshot parses, and so does every journal line but a torn last one (a write never acknowledged). */
function expectFilesParse(stateDir: string): void {
  const snapshot = join(stateDir, 'directory.json');
  if (existsSync(snapshot)) expect(() => JSON.parse(readFileSync(snapshot, 'utf8'))).not.toThrow();
  const lines = readFileSync(join(stateDir, 'directory.journal'), 'utf8').split('\n');
  for (const line of lines.slice(0, -1)) expect(() => JSON.parse(line)).not.toThrow();
}

/** JSON nested `depth` objects deep, written out by hand: JSON.stringify itself runs out of stack on it. */
function nestedJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}"deep"${'}'.repeat(depth)}`;
}

/** mulberry32: the same kill moments on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
