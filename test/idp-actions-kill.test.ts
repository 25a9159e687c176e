import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { startMain } from './support/main-process.ts';
import { privateStateDir } from './support/sandbox-helpers.ts';

// An Action's processes end with the sandbox, however it ends: kill -9 leaves no Action running on.

describe("Actions' processes under kill -9 of the sandbox", () => {
  it('end even when the Action left a timer running', async () => {
    const environment = mkdtempSync(join(tmpdir(), 'sandbox-env-'));
    cpSync(fileURLToPath(new URL('../environments/auth0-tutorial', import.meta.url)), environment, { recursive: true });
    appendFileSync(join(environment, 'actions/dial-role.js'), '\nsetInterval(() => {}, 1000); // keeps its process busy forever\n');
    const idp = await startMain('mock-idp/main.ts', { SANDBOX_ENV: environment, SANDBOX_STATE_DIR: privateStateDir('kill'), SANDBOX_IDP_HTTP_PORT: '0', SANDBOX_IDP_HTTPS_PORT: '0' });
    const httpUrl = /(http:\/\/127\.0\.0\.1:\d+)/.exec(idp.line)![1]!;
    const login = await fetch(`${httpUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', client_id: 'dial-chat', client_secret: 'dial-chat-secret', username: 'alice@example.com', password: 'alice', audience: 'dial-api' }),
    });
    expect(login.status).toBe(200);
    const children = execFileSync('ps', ['--ppid', String(idp.child.pid), '-o', 'pid=']).toString().split('\n').map((pid) => pid.trim()).filter(Boolean);
    expect(children.length).toBeGreaterThan(0);

    const exited = once(idp.child, 'exit');
    idp.child.kill('SIGKILL');
    await exited;
    // Each child sees its parent's channel close and exits; wait on that, not on a clock.
    await expect.poll(() => children.filter((pid) => existsSync(`/proc/${pid}`) && !isZombie(pid)), { timeout: 10_000, interval: 20 }).toEqual([]);
  });
});

function isZombie(pid: string): boolean {
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
