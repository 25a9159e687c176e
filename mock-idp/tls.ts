/**
 * The sandbox's local CA and the HTTPS certificate of mock-idp. The CA is made once and kept, so a client
 * trusts it for good with NODE_EXTRA_CA_CERTS=<stateDir>/tls/ca.pem; the leaf is re-issued whenever the
 * tenant's domain is not among its names.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

import { writeFileAtomic } from '../common/atomic-file.ts';
import { createRsaKeyPair, issueCertificate } from './certificates.ts';

export interface TlsMaterial {
  caFile: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

interface StoredPair {
  certificatePem: string;
  privateKeyPem: string;
}

export function loadOrCreateTls(stateDir: string, hostNames: string[]): TlsMaterial {
  const dir = join(stateDir, 'tls');
  const caFile = join(dir, 'ca.pem');
  const ca = readPair(caFile, join(dir, 'ca-key.pem')) ?? writePair(caFile, join(dir, 'ca-key.pem'), createCa());
  const names = [...new Set(['localhost', '127.0.0.1', ...hostNames.map(stripPort)])];
  // Certificate and key in one file, replaced in one rename, so a reader never pairs a new cert with an old key.
  const leafFile = join(dir, 'localhost.pem');
  let leaf = readBundle(leafFile);
  if (!leaf || !covers(leaf.certificatePem, ca.certificatePem, names)) {
    const key = createRsaKeyPair();
    leaf = { privateKeyPem: key.privateKeyPem, certificatePem: issueCertificate({ commonName: 'localhost', key, issuer: ca, altNames: names, days: 825 }) };
    writeFileAtomic(leafFile, `${leaf.certificatePem}${leaf.privateKeyPem}`, 0o600);
  }
  return { caFile, caPem: ca.certificatePem, certPem: leaf.certificatePem, keyPem: leaf.privateKeyPem };
}

function createCa(): StoredPair {
  const key = createRsaKeyPair();
  return { privateKeyPem: key.privateKeyPem, certificatePem: issueCertificate({ commonName: 'dial-auth-sandbox local CA', key, isCa: true, days: 3650 }) };
}

function covers(leafPem: string, caPem: string, names: string[]): boolean {
  const leaf = new X509Certificate(leafPem);
  const stillValid = Date.parse(leaf.validTo) > Date.now() + 86_400_000;
  const named = (name: string) => (isIP(name) ? leaf.checkIP(name) : leaf.checkHost(name)) !== undefined;
  return stillValid && leaf.checkIssued(new X509Certificate(caPem)) && names.every(named);
}

function readPair(certFile: string, keyFile: string): StoredPair | undefined {
  if (!existsSync(certFile) || !existsSync(keyFile)) return undefined;
  return { certificatePem: readFileSync(certFile, 'utf8'), privateKeyPem: readFileSync(keyFile, 'utf8') };
}

function readBundle(file: string): StoredPair | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const certificatePem = /-----BEGIN CERTIFICATE-----[^]*?-----END CERTIFICATE-----\n?/.exec(text)?.[0];
  const privateKeyPem = /-----BEGIN PRIVATE KEY-----[^]*?-----END PRIVATE KEY-----\n?/.exec(text)?.[0];
  return certificatePem && privateKeyPem ? { certificatePem, privateKeyPem } : undefined;
}

function writePair(certFile: string, keyFile: string, pair: StoredPair): StoredPair {
  writeFileAtomic(keyFile, pair.privateKeyPem, 0o600);
  writeFileAtomic(certFile, pair.certificatePem);
  return pair;
}

function stripPort(host: string): string {
  return host.replace(/:\d+$/, '');
}
