import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { startMain } from './support/main-process.ts';
import { privateStateDir } from './support/sandbox-helpers.ts';

// Management API writes are kept with a temporary file, fsync and rename before they are answered, so a
// kill -9 in the middle of a burst leaves a whole file that holds every write a client saw acknowledged.

describe('Management API state under kill -9', () => {
  it('leaves a valid state file holding every acknowledged write', async () => {
    const stateDir = privateStateDir('crash');
    const idp = await startMain('mock-idp/main.ts', { SANDBOX_STATE_DIR: stateDir, SANDBOX_IDP_HTTP_PORT: '0', SANDBOX_IDP_HTTPS_PORT: '0' });
    const httpUrl = /(http:\/\/127\.0\.0\.1:\d+)/.exec(idp.line)![1]!;
    const issuer = /issuer (https:\/\/\S+\/)/.exec(idp.line)![1]!;
    const { access_token } = (await (await fetch(`${httpUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'ci-runner', client_secret: 'ci-runner-secret', audience: `${issuer}api/v2/` }),
    })).json()) as { access_token: string };

    const acknowledged: string[] = [];
    let sent = 0;
    const writer = async () => {
      for (;;) {
        const name = `burst-${sent++}`;
        const response = await fetch(`${httpUrl}/api/v2/roles`, {
          method: 'POST',
          headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name }),
        }).catch(() => undefined);
        if (!response) return; // the process is gone
        if (response.ok) acknowledged.push(((await response.json()) as { id: string }).id);
        if (acknowledged.length === 60 && !idp.child.killed) idp.child.kill('SIGKILL');
      }
    };
    const exited = once(idp.child, 'exit');
    await Promise.all(Array.from({ length: 8 }, writer));
    await exited;

    const saved = JSON.parse(readFileSync(join(stateDir, 'directory.json'), 'utf8')) as { roles: { id: string }[] };
    const kept = new Set(saved.roles.map((r) => r.id));
    expect(acknowledged.length).toBeGreaterThanOrEqual(60);
    expect(acknowledged.filter((id) => !kept.has(id))).toEqual([]);
    // Writes in flight at the kill may be kept or not; nothing else is there.
    expect(saved.roles.length).toBeLessThanOrEqual(sent + 1);
  });
});
