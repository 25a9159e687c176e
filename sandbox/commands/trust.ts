/**
 * `dial-sandbox trust`: makes the browsers of this user trust the sandbox CA, as a user would by hand, so that
 * a page on the IdP (the login page, an SPA's silent login) opens without a certificate warning. On Linux,
 * Chromium and Chrome read the user's NSS database (~/.pki/nssdb) and Firefox one per profile; both are
 * changed with NSS's certutil (Debian: libnss3-tools). Elsewhere the command prints what to run: the system's
 * store is what the browsers read there, and changing it asks for the user's password.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { SandboxError } from '../../common/sandbox-error.ts';

export interface TrustOptions {
  caFile: string;
  /** Whose browsers: the user's home folder. */
  home: string;
  /** Take the CA out again. */
  remove?: boolean;
  platform?: NodeJS.Platform;
}

/** What was done (or is to be done by hand), one line each. */
export function trustCa({ caFile, home, remove = false, platform = process.platform }: TrustOptions): string[] {
  if (!existsSync(caFile)) throw new SandboxError('ERR_SANDBOX_DEFINITION', `No sandbox CA at ${caFile}: start the sandbox once (npm start) to make it, or name its state folder with --state-dir.`);
  const nickname = nicknameOf(caFile);
  if (platform !== 'linux') return byHand(caFile, platform, remove);
  if (!hasCertutil()) {
    return [
      'certutil (NSS) is not installed: on Debian or Ubuntu `sudo apt-get install libnss3-tools`, on Fedora `sudo dnf install nss-tools`; then run this again. By hand:',
      ...nssDatabases(home).map(({ dir }) => `  certutil -d sql:${dir} ${remove ? `-D -n "${nickname}"` : `-A -t "C,," -n "${nickname}" -i ${caFile}`}`),
    ];
  }
  return nssDatabases(home).map(({ browser, dir, create }) => {
    if (remove) {
      if (!existsSync(dir) || !listed(dir, nickname)) return `${browser}: the CA was not there (${dir})`;
      certutil(['-d', `sql:${dir}`, '-D', '-n', nickname]);
      return `${browser}: removed "${nickname}" (${dir})`;
    }
    if (create) mkdirSync(dir, { recursive: true });
    certutil(['-d', `sql:${dir}`, '-A', '-t', 'C,,', '-n', nickname, '-i', caFile]);
    return `${browser}: trusts "${nickname}" (${dir}); restart the browser if it is running`;
  });
}

/** Named by its fingerprint: the CAs of two state folders are two entries. */
function nicknameOf(caFile: string): string {
  const fingerprint = new X509Certificate(readFileSync(caFile)).fingerprint256.replace(/:/g, '').slice(0, 12).toLowerCase();
  return `dial-auth-sandbox CA ${fingerprint}`;
}

/** The user's NSS databases: Chromium's and Chrome's (made when missing), and each Firefox profile's that exists. */
function nssDatabases(home: string): { browser: string; dir: string; create: boolean }[] {
  const firefoxRoots = [join(home, '.mozilla', 'firefox'), join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox')];
  const profiles = firefoxRoots.flatMap((root) =>
    existsSync(root) ? readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, 'cert9.db'))).map((entry) => join(root, entry.name)) : [],
  );
  return [{ browser: 'Chromium and Chrome', dir: join(home, '.pki', 'nssdb'), create: true }, ...profiles.map((dir) => ({ browser: 'Firefox', dir, create: false }))];
}

function byHand(caFile: string, platform: NodeJS.Platform, remove: boolean): string[] {
  if (platform === 'darwin') {
    return remove
      ? ['macOS: remove it from the login keychain (Keychain Access, or):', `  security remove-trusted-cert ${caFile}`, '  security delete-certificate -c "dial-auth-sandbox local CA"']
      : [
        'macOS: Chrome, Safari and Firefox (since 120) read the login keychain; add the CA to it (asks for your password):',
        `  security add-trusted-cert -r trustRoot -k ~/Library/Keychains/login.keychain-db ${caFile}`,
      ];
  }
  if (platform === 'win32') {
    return remove
      ? ['Windows: remove it from your Trusted Root store (certmgr.msc), or:', '  certutil -user -delstore Root "dial-auth-sandbox local CA"']
      : ['Windows: Chrome, Edge and Firefox (since 120) read your Trusted Root store; add the CA to it (asks to confirm):', `  certutil -user -addstore Root ${caFile}`];
  }
  return [`${platform}: add ${caFile} to your browser's trusted authorities (in Firefox: Settings, Certificates, View Certificates, Authorities, Import).`];
}

/** Whether NSS's certutil is installed. */
export function hasCertutil(): boolean {
  try {
    execFileSync('certutil', ['-H'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // certutil -H prints its help and exits with 1: only a missing program is ENOENT.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

function listed(dir: string, nickname: string): boolean {
  try {
    certutil(['-d', `sql:${dir}`, '-L', '-n', nickname]);
    return true;
  } catch {
    return false;
  }
}

function certutil(args: string[]): void {
  execFileSync('certutil', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}
