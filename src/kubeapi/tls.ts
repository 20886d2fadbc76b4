// The per-instance certificate authority and serving certificate of the Kubernetes API. Made once,
// at first start, and kept in the service dir (keys 0600). kubectl pins the CA through the
// kubeconfig, so the files survive restarts and a kubeconfig stays valid across them.
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import forge from 'node-forge';
import { ApiError } from '../api/index.js';
import { writePrivateFile } from '../transport/endpoint.js';

export interface TlsFiles {
  readonly caCert: string;
  readonly caKey: string;
  readonly cert: string;
  readonly key: string;
}

export interface TlsMaterial {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export function tlsFiles(dir: string): TlsFiles {
  return {
    caCert: path.join(dir, 'ca.crt'),
    caKey: path.join(dir, 'ca.key'),
    cert: path.join(dir, 'apiserver.crt'),
    key: path.join(dir, 'apiserver.key'),
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Names the serving certificate is valid for: the API only listens on loopback. */
const SERVER_NAMES = ['localhost'];
const SERVER_IPS = ['127.0.0.1', '::1'];

/** RSA keys from Node's native generator (node-forge's own is pure JS and slow). */
function rsaKeys(): { privateKey: KeyObject; publicKey: forge.pki.rsa.PublicKey; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const pub = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) as forge.pki.rsa.PublicKey;
  return { privateKey, publicKey: pub, pem };
}

/** The OID of sha256WithRSAEncryption. */
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

/**
 * Signs `cert` (SHA-256 with RSA) as node-forge's cert.sign does, but with Node's native RSA:
 * forge's pure-JS signature took about 50 ms of the daemon's first start, twice.
 */
function signCertificate(cert: forge.pki.Certificate, key: KeyObject): void {
  cert.signatureOid = cert.siginfo.algorithmOid = SHA256_WITH_RSA;
  // The TBSCertificate is the first element of the certificate (forge's typings lack getTBSCertificate).
  cert.signature = '';
  const whole = forge.pki.certificateToAsn1(cert).value;
  const tbs = Array.isArray(whole) ? whole[0] : undefined;
  if (tbs === undefined) throw new Error('node-forge produced a certificate without a TBSCertificate');
  cert.tbsCertificate = tbs;
  cert.signature = sign('sha256', Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary'), key).toString('binary');
}

/** Random bytes for certificate serials (tests pass their own to reach the rare cases). */
export type SerialBytes = (n: number) => Uint8Array;

/**
 * A positive 16-byte serial whose first byte is never zero. node-forge strips only one leading
 * zero byte, so a serial starting 00 00 with a third byte below 0x80 was encoded with illegal
 * padding, and OpenSSL then refused the certificate (about one certificate in 65536).
 */
function serial(random: SerialBytes): string {
  const b = Buffer.from(random(16));
  b[0] = 0x40 | (b[0]! & 0x3f);
  return b.toString('hex');
}

function makeCa(commonName: string, years: number, random: SerialBytes): { cert: forge.pki.Certificate; key: KeyObject; certPem: string; keyPem: string } {
  const k = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.publicKey;
  cert.serialNumber = serial(random);
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + years * 365 * DAY_MS);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signCertificate(cert, k.privateKey);
  return { cert, key: k.privateKey, certPem: forge.pki.certificateToPem(cert), keyPem: k.pem };
}

function makeServing(ca: { cert: forge.pki.Certificate; key: KeyObject }, years: number, random: SerialBytes): { certPem: string; keyPem: string } {
  const k = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.publicKey;
  cert.serialNumber = serial(random);
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + years * 365 * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: 'rdd-apiserver' }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...SERVER_NAMES.map((value) => ({ type: 2, value })), ...SERVER_IPS.map((ip) => ({ type: 7, ip }))],
    },
  ]);
  signCertificate(cert, ca.key);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: k.pem };
}


function readIfValid(f: TlsFiles): TlsMaterial | undefined {
  let caPem: string, certPem: string, keyPem: string;
  try {
    caPem = fs.readFileSync(f.caCert, 'utf8');
    certPem = fs.readFileSync(f.cert, 'utf8');
    keyPem = fs.readFileSync(f.key, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const ca = new X509Certificate(caPem);
    const cert = new X509Certificate(certPem);
    // Renew a month ahead of expiry, and whenever the pair no longer matches (a half-written set).
    const soon = Date.now() + 30 * DAY_MS;
    if (Date.parse(cert.validTo) < soon || Date.parse(ca.validTo) < soon || !cert.verify(ca.publicKey)) return undefined;
  } catch {
    return undefined;
  }
  return { caPem, certPem, keyPem };
}

/**
 * The CA and serving certificate in `dir`, made on first use. A CA that is still valid is kept
 * (so existing kubeconfigs keep working); only an expiring serving certificate is re-issued.
 */
export function ensureTls(dir: string, o: { commonName: string; serialBytes?: SerialBytes }): TlsMaterial {
  const random = o.serialBytes ?? randomBytes;
  const f = tlsFiles(dir);
  const existing = readIfValid(f);
  if (existing) return existing;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    let ca: { cert: forge.pki.Certificate; key: KeyObject; certPem: string } | undefined;
    try {
      const certPem = fs.readFileSync(f.caCert, 'utf8');
      const keyPem = fs.readFileSync(f.caKey, 'utf8');
      const cert = forge.pki.certificateFromPem(certPem);
      if (cert.validity.notAfter.getTime() > Date.now() + 60 * DAY_MS) {
        ca = { cert, key: createPrivateKey(keyPem), certPem };
      }
    } catch {
      ca = undefined;
    }
    if (!ca) {
      const made = makeCa(o.commonName, 10, random);
      writePrivateFile(f.caKey, made.keyPem);
      writePrivateFile(f.caCert, made.certPem);
      ca = made;
    }
    const serving = makeServing(ca, 1, random);
    writePrivateFile(f.key, serving.keyPem);
    writePrivateFile(f.cert, serving.certPem);
    return { caPem: ca.certPem, certPem: serving.certPem, keyPem: serving.keyPem };
  } catch (e) {
    throw new ApiError(500, 'InternalError', `cannot create the Kubernetes API certificates in ${dir}: ${e instanceof Error ? e.message : String(e)}; check that the directory is writable`, undefined, { cause: e });
  }
}
