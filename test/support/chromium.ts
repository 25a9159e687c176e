/**
 * Debian's chromium (which .ci/run installs; never a downloaded browser), trusting the sandbox CA the way a
 * user's does after `dial-sandbox trust`: through the NSS database in its HOME, with no certificate errors
 * ignored. Each launch has a HOME of its own, so no test touches the machine's.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type Browser } from 'playwright-core';

import { hasCertutil, trustCa } from '../../sandbox/commands/trust.ts';

const CHROMIUM = '/usr/bin/chromium';

/** Why no browser test can run here, or undefined. */
export function browserUnavailable(): string | undefined {
  if (!existsSync(CHROMIUM)) return `no browser at ${CHROMIUM} (apt-get install -y chromium, as .ci/run does)`;
  if (!hasCertutil()) return 'no certutil to make the browser trust the sandbox CA (apt-get install -y libnss3-tools, as .ci/run does)';
  return undefined;
}

export interface TrustingBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Chromium with `caFile` (default: the tests' CA, NODE_EXTRA_CA_CERTS) among its trusted authorities. */
export async function launchTrustingChromium(caFile = process.env.NODE_EXTRA_CA_CERTS!): Promise<TrustingBrowser> {
  const home = mkdtempSync(join(tmpdir(), 'sandbox-browser-home-'));
  trustCa({ caFile, home });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, HOME: home },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
