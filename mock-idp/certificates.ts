/** X.509 certificates for the local CA, the HTTPS leaf and the signing keys' `x5c` (as Auth0 publishes). */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

export function createRsaKeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export interface CertificateRequest {
  commonName: string;
  /** The certificate's own key. */
  key: KeyPairPem;
  /** Who signs it; absent: self-signed. */
  issuer?: { certificatePem: string; privateKeyPem: string };
  isCa?: boolean;
  /** DNS names and IP addresses for subjectAltName (a server certificate). */
  altNames?: string[];
  days: number;
}

export function issueCertificate(request: CertificateRequest): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(request.key.publicKeyPem);
  // Positive serial: a leading 0x01 keeps the top bit clear.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + request.days * 86_400_000);
  const subject = [{ name: 'commonName', value: request.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(request.issuer ? forge.pki.certificateFromPem(request.issuer.certificatePem).subject.attributes : subject);

  const extensions: object[] = [
    { name: 'basicConstraints', cA: Boolean(request.isCa), critical: true },
    request.isCa
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ];
  if (request.altNames?.length) {
    extensions.push({ name: 'extKeyUsage', serverAuth: true });
    extensions.push({
      name: 'subjectAltName',
      altNames: request.altNames.map((n) => (/^[\d.]+$/.test(n) || n.includes(':') ? { type: 7, ip: n } : { type: 2, value: n })),
    });
  }
  cert.setExtensions(extensions);
  const signer = forge.pki.privateKeyFromPem((request.issuer ?? request.key).privateKeyPem);
  cert.sign(signer, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n');
}

/** The base64 DER of a PEM certificate, as in a JWK's `x5c`. */
export function certificateDerBase64(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
}

/** The certificate in a PKCS#7 (certs-only) envelope, PEM, as the Management API's `pkcs7` field carries it. */
export function certificatePkcs7(pem: string): string {
  const envelope = forge.pkcs7.createSignedData();
  envelope.addCertificate(forge.pki.certificateFromPem(pem));
  return forge.pkcs7.messageToPem(envelope);
}
