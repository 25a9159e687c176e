/**
 * The sandbox's local CA and the HTTPS certificate of mock-idp. The CA is made once and kept, so a client
 * trusts it for good with NODE_EXTRA_CA_CERTS=<stateDir>/tls/ca.pem; the leaf is re-issued whenever the
 * tenant's domain is not among its names.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { writeFileAtomic } from '../common/atomic-file.ts';
import { createRsaKeyPair, issueCertificate, type KeyPairPem } from './certificates.ts';

export interface TlsMaterial {
  caFile: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

interface StoredPair {
  certificatePem: string;
  key: KeyPairPem;
}

export function loadOrCreateTls(stateDir: string, hostNames: string[]): TlsMaterial {
  const dir = join(stateDir, 'tls');
  const caFile = join(dir, 'ca.pem');
  const ca = readPair(caFile, join(dir, 'ca-key.pem')) ?? writePair(caFile, join(dir, 'ca-key.pem'), createCa());
  const names = [...new Set(['localhost', '127.0.0.1', ...hostNames.map(stripPort)])];
  const leafFile = join(dir, 'localhost.pem');
  const leafKeyFile = join(dir, 'localhost-key.pem');
  let leaf = readPair(leafFile, leafKeyFile);
  if (!leaf || !covers(leaf.certificatePem, ca.certificatePem, names)) {
    const key = createRsaKeyPair();
    const certificatePem = issueCertificate({ commonName: 'localhost', key, issuer: ca, altNames: names, days: 825 });
    leaf = writePair(leafFile, leafKeyFile, { certificatePem, key });
  }
  return { caFile, caPem: ca.certificatePem, certPem: leaf.certificatePem, keyPem: leaf.key.privateKeyPem };
}

function createCa(): StoredPair {
  const key = createRsaKeyPair();
  return { key, certificatePem: issueCertificate({ commonName: 'dial-auth-sandbox local CA', key, isCa: true, days: 3650 }) };
}

function covers(leafPem: string, caPem: string, names: string[]): boolean {
  const leaf = new X509Certificate(leafPem);
  const stillValid = Date.parse(leaf.validTo) > Date.now() + 86_400_000;
  return stillValid && leaf.checkIssued(new X509Certificate(caPem)) && names.every((n) => leaf.checkHost(n) ?? leaf.checkIP(n));
}

function readPair(certFile: string, keyFile: string): StoredPair | undefined {
  if (!existsSync(certFile) || !existsSync(keyFile)) return undefined;
  const privateKeyPem = readFileSync(keyFile, 'utf8');
  return { certificatePem: readFileSync(certFile, 'utf8'), key: { privateKeyPem, publicKeyPem: '' } };
}

function writePair(certFile: string, keyFile: string, pair: StoredPair): StoredPair {
  writeFileAtomic(keyFile, pair.key.privateKeyPem, 0o600);
  writeFileAtomic(certFile, pair.certificatePem);
  return pair;
}

function stripPort(host: string): string {
  return host.replace(/:\d+$/, '');
}
