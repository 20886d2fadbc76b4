// The per-instance certificate authority and serving certificate of the Kubernetes API. Made once,
// at first start, and kept in the service dir (keys 0600). kubectl pins the CA through the
// kubeconfig, so the files survive restarts and a kubeconfig stays valid across them.
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiError } from '../api/index.js';
import { writePrivateFile } from '../transport/endpoint.js';
import * as der from './der.js';

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
/** 127.0.0.1 and ::1, as the bytes of an iPAddress name. */
const SERVER_IPS = [Buffer.from([127, 0, 0, 1]), Buffer.from([...Array<number>(15).fill(0), 1])];

const OID = {
  commonName: '2.5.4.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

/** KeyUsage bit positions (RFC 5280 §4.2.1.3). */
const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

/**
 * A P-256 key pair. Generating one takes well under a millisecond; the two RSA-2048 pairs it
 * replaced took about 230 ms of a fresh daemon's start.
 */
function ecKeys(): { privateKey: KeyObject; spki: Buffer; pem: string; keyId: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.x === undefined || jwk.y === undefined) throw new Error('the EC public key has no coordinates');
  // RFC 5280 §4.2.1.2 (1): the key identifier is the SHA-1 of the subjectPublicKey bits, the point 04‖x‖y.
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
  return {
    privateKey,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    keyId: createHash('sha1').update(point).digest(),
  };
}

/** Random bytes for certificate serials (tests pass their own to reach the rare cases). */
export type SerialBytes = (n: number) => Uint8Array;

/**
 * A positive 16-byte serial whose first byte is never zero, so it is always 16 bytes long. An
 * earlier encoder (node-forge) stripped only one leading zero byte, and a serial starting 00 00
 * was refused by OpenSSL as illegal padding (about one certificate in 65536).
 */
function serial(random: SerialBytes): Buffer {
  const b = Buffer.from(random(16));
  b[0] = 0x40 | ((b[0] ?? 0) & 0x3f);
  return b;
}

const name = (commonName: string): der.Der => der.sequence(der.set(der.sequence(der.oid(OID.commonName), der.utf8String(commonName))));

function extension(id: string, critical: boolean, value: der.Der): der.Der {
  return der.sequence(der.oid(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

/** Key types a kept CA may have: ours (EC) and those of earlier versions (RSA). */
const SIGNING_KEY_TYPES = new Set(['ec', 'rsa']);

/** The signature algorithm for the issuer's key: a CA made before P-256 keys is an RSA one. */
function signatureAlgorithm(key: KeyObject): der.Der {
  const type = key.asymmetricKeyType;
  if (type === 'ec') return der.sequence(der.oid(OID.ecdsaWithSha256));
  if (type === 'rsa') return der.sequence(der.oid(OID.sha256WithRsa), der.nullValue());
  throw new Error(`a CA key of type ${type ?? 'unknown'} cannot sign certificates here`);
}

interface CertificateFields {
  readonly serial: Buffer;
  readonly issuer: der.Der;
  readonly subject: der.Der;
  readonly years: number;
  readonly spki: Buffer;
  readonly extensions: readonly der.Der[];
}

/** Encodes an X.509 v3 certificate and signs it (SHA-256) with the issuer's key, as PEM. */
function certificate(f: CertificateFields, issuerKey: KeyObject): string {
  const algorithm = signatureAlgorithm(issuerKey);
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)), // v3
    der.unsignedInteger(f.serial),
    algorithm,
    f.issuer,
    der.sequence(der.time(new Date(Date.now() - DAY_MS)), der.time(new Date(Date.now() + f.years * 365 * DAY_MS))),
    f.subject,
    f.spki,
    der.explicit(3, der.sequence(...f.extensions)),
  );
  // Node's sign gives an ECDSA signature as the DER Ecdsa-Sig-Value X.509 expects.
  const body = der.sequence(tbs, algorithm, der.bitString(sign('sha256', tbs, issuerKey)));
  const b64 = body.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

function makeCa(commonName: string, years: number, random: SerialBytes): { key: KeyObject; subject: der.Der; certPem: string; keyPem: string } {
  const k = ecKeys();
  const subject = name(commonName);
  const certPem = certificate(
    {
      serial: serial(random),
      issuer: subject,
      subject,
      years,
      spki: k.spki,
      extensions: [
        extension(OID.basicConstraints, true, der.sequence(der.boolean(true))),
        extension(OID.keyUsage, true, der.namedBits([KEY_USAGE.digitalSignature, KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign])),
        extension(OID.subjectKeyIdentifier, false, der.octetString(k.keyId)),
      ],
    },
    k.privateKey,
  );
  return { key: k.privateKey, subject, certPem, keyPem: k.pem };
}

/** The CA's subject exactly as encoded, to be the serving certificate's issuer. */
function subjectOf(cert: X509Certificate): der.Der {
  // Certificate ::= SEQUENCE { tbs, … }; TBSCertificate: [0] version, serial, signature, issuer, validity, subject, …
  const [tbs] = der.elements(cert.raw);
  const fields = tbs === undefined ? [] : der.elements(tbs);
  const subject = fields[fields[0]?.[0] === 0xa0 ? 5 : 4];
  if (subject === undefined) throw new Error('the CA certificate has no subject');
  return subject;
}

function makeServing(ca: { key: KeyObject; subject: der.Der }, years: number, random: SerialBytes): { certPem: string; keyPem: string } {
  const k = ecKeys();
  const altNames = der.sequence(...SERVER_NAMES.map((n) => der.implicit(2, Buffer.from(n, 'ascii'))), ...SERVER_IPS.map((ip) => der.implicit(7, ip)));
  const certPem = certificate(
    {
      serial: serial(random),
      issuer: ca.subject,
      subject: name('rdd-apiserver'),
      years,
      spki: k.spki,
      extensions: [
        extension(OID.basicConstraints, false, der.sequence()),
        extension(OID.keyUsage, true, der.namedBits([KEY_USAGE.digitalSignature])),
        extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.serverAuth))),
        extension(OID.subjectAltName, false, altNames),
      ],
    },
    ca.key,
  );
  return { certPem, keyPem: k.pem };
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
    let ca: { key: KeyObject; subject: der.Der; certPem: string } | undefined;
    try {
      const certPem = fs.readFileSync(f.caCert, 'utf8');
      const key = createPrivateKey(fs.readFileSync(f.caKey, 'utf8'));
      const cert = new X509Certificate(certPem);
      // Keep a CA that has two months left and matches its key, so existing kubeconfigs stay valid.
      if (Date.parse(cert.validTo) > Date.now() + 60 * DAY_MS && cert.ca && cert.checkPrivateKey(key) && SIGNING_KEY_TYPES.has(key.asymmetricKeyType ?? '')) {
        ca = { key, subject: subjectOf(cert), certPem };
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
