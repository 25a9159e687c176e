import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, describe, expect, it } from 'vitest';

import { trustCa } from '../sandbox/commands/trust.ts';
import { browserUnavailable } from './support/chromium.ts';

const CLI = fileURLToPath(new URL('../bin/dial-sandbox.js', import.meta.url));
const STATE_DIR = process.env.SANDBOX_TEST_STATE_DIR!;
const unavailable = browserUnavailable();
if (unavailable) console.warn(`[cli] trust test skipped: ${unavailable}`);

describe.skipIf(Boolean(unavailable))(`dial-sandbox trust${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  const home = mkdtempSync(join(tmpdir(), 'sandbox-trust-home-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const trusted = (db: string) => execFileSync('certutil', ['-d', `sql:${db}`, '-L'], { encoding: 'utf8' }).match(/dial-auth-sandbox CA \w+\s+C,,/g) ?? [];

  it("adds the sandbox CA to the user's Chromium database and each Firefox profile, and takes it out again", async () => {
    // A Firefox profile as Firefox leaves it: a folder with its own NSS database.
    const profile = join(home, '.mozilla', 'firefox', 'abcd1234.default-release');
    mkdirSync(profile, { recursive: true });
    execFileSync('certutil', ['-d', `sql:${profile}`, '-N', '--empty-password']);

    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'trust', '--state-dir', STATE_DIR, '--home', home]);
    expect(stdout).toMatch(/^Chromium and Chrome: trusts "dial-auth-sandbox CA [0-9a-f]{12}"/m);
    expect(stdout).toContain(`Firefox: trusts`);
    expect(trusted(join(home, '.pki', 'nssdb'))).toHaveLength(1);
    expect(trusted(profile)).toHaveLength(1);

    // Again: the same entry, not a second one.
    trustCa({ caFile: join(STATE_DIR, 'tls', 'ca.pem'), home });
    expect(trusted(join(home, '.pki', 'nssdb'))).toHaveLength(1);

    const removed = trustCa({ caFile: join(STATE_DIR, 'tls', 'ca.pem'), home, remove: true });
    expect(removed.every((line) => line.includes('removed'))).toBe(true);
    expect(trusted(join(home, '.pki', 'nssdb'))).toEqual([]);
    expect(trusted(profile)).toEqual([]);
  });

  it('says how on macOS and Windows, and refuses a state folder without a CA', () => {
    const caFile = join(STATE_DIR, 'tls', 'ca.pem');
    expect(trustCa({ caFile, home, platform: 'darwin' }).join('\n')).toContain(`security add-trusted-cert -r trustRoot -k ~/Library/Keychains/login.keychain-db ${caFile}`);
    expect(trustCa({ caFile, home, platform: 'win32' }).join('\n')).toContain(`certutil -user -addstore Root ${caFile}`);
    expect(() => trustCa({ caFile: join(dirname(caFile), 'none.pem'), home })).toThrow(/No sandbox CA at .*none\.pem: start the sandbox once/);
  });
});
