import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadOrCreateTls } from './tls.ts';

describe('loadOrCreateTls', () => {
  it('makes a CA once and a leaf for localhost, 127.0.0.1 and the tenant domain, re-issuing only the leaf when the domain changes', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tls-'));
    const first = loadOrCreateTls(stateDir, []);
    expect(first.caFile).toBe(join(stateDir, 'tls', 'ca.pem'));
    const leaf = new X509Certificate(first.certPem);
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIssued(new X509Certificate(readFileSync(first.caFile)))).toBe(true);

    // Same names: nothing is made anew.
    expect(loadOrCreateTls(stateDir, []).certPem).toBe(first.certPem);

    // A tenant domain (with its port) joins the leaf; the CA that clients trust stays the same.
    const withDomain = loadOrCreateTls(stateDir, ['dial-sandbox.eu.auth0.com:443']);
    expect(withDomain.caPem).toBe(first.caPem);
    expect(withDomain.certPem).not.toBe(first.certPem);
    expect(new X509Certificate(withDomain.certPem).checkHost('dial-sandbox.eu.auth0.com')).toBe('dial-sandbox.eu.auth0.com');
  });
});
