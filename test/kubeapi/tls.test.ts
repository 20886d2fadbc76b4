// The per-instance CA and serving certificate: made once, keys 0600, kept across restarts, and
// a kubeconfig that embeds the CA.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { parse } from 'yaml';
import { ensureTls, renderKubeconfig, tlsFiles } from '../../src/kubeapi/index.js';
import { packageRoot } from '../../src/package-root.js';

const FIXTURES = path.join(packageRoot(), 'test', 'kubeapi', 'fixtures');

test('ensureTls makes a CA and a loopback serving certificate once, with private files', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdd-tls-'));
  process.env.RDD_HOME = dir;
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const first = ensureTls(path.join(dir, 'tls'), { commonName: 'rdd-t-ca' });
  const f = tlsFiles(path.join(dir, 'tls'));
  for (const file of [f.caKey, f.caCert, f.key, f.cert]) t.is(fs.statSync(file).mode & 0o777, 0o600, file);
  const ca = new X509Certificate(first.caPem);
  const cert = new X509Certificate(first.certPem);
  t.true(ca.ca);
  t.true(cert.verify(ca.publicKey));
  t.true(cert.checkIP('127.0.0.1') !== undefined);
  t.is(cert.checkHost('localhost'), 'localhost');
  t.is(cert.checkHost('example.com'), undefined);
  t.deepEqual(ensureTls(path.join(dir, 'tls'), { commonName: 'rdd-t-ca' }), first, 'a second start reuses the files');
  // A lost serving certificate is re-issued under the same CA, so existing kubeconfigs stay valid.
  fs.rmSync(f.cert);
  const again = ensureTls(path.join(dir, 'tls'), { commonName: 'rdd-t-ca' });
  t.is(again.caPem, first.caPem);
  t.not(again.certPem, first.certPem);
  t.true(new X509Certificate(again.certPem).verify(ca.publicKey));
});

test('the keys are P-256 and the certificates are signed with ECDSA', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdd-tls-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const m = ensureTls(dir, { commonName: 'rdd-t-ca' });
  const key = createPrivateKey(m.keyPem);
  t.is(key.asymmetricKeyType, 'ec');
  t.is(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  t.is(createPrivateKey(fs.readFileSync(tlsFiles(dir).caKey, 'utf8')).asymmetricKeyType, 'ec');
  const cert = new X509Certificate(m.certPem);
  t.true(cert.checkPrivateKey(key));
  t.is(cert.issuer, 'CN=rdd-t-ca');
  t.is(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  t.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  t.notThrows(() => createSecureContext({ key: m.keyPem, cert: m.certPem, ca: m.caPem }));
});

/** A fresh TLS directory holding the CA fixture `<name>-ca.crt` and its key. */
function withFixtureCa(t: ExecutionContext, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdd-tls-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const f = tlsFiles(dir);
  fs.copyFileSync(path.join(FIXTURES, `${name}-ca.crt`), f.caCert);
  fs.copyFileSync(path.join(FIXTURES, `${name}-ca.key`), f.caKey);
  return dir;
}

// Daemons from before P-256 keys made an RSA CA; kubeconfigs pin it, so it is kept, and a new
// serving certificate is signed with it (sha256WithRSAEncryption).
test('an RSA CA from an earlier version is kept and signs the new serving certificate', (t) => {
  const dir = withFixtureCa(t, 'rsa');
  const m = ensureTls(dir, { commonName: 'rdd-t-ca' });
  t.is(m.caPem, fs.readFileSync(path.join(FIXTURES, 'rsa-ca.crt'), 'utf8'));
  const ca = new X509Certificate(m.caPem);
  const cert = new X509Certificate(m.certPem);
  t.is(cert.issuer, 'CN=rdd-rsa-ca');
  t.true(cert.verify(ca.publicKey));
});

test('a CA whose key cannot sign certificates here (Ed25519) is replaced, not a failed start', (t) => {
  const dir = withFixtureCa(t, 'ed25519');
  const m = ensureTls(dir, { commonName: 'rdd-t-ca' });
  const ca = new X509Certificate(m.caPem);
  t.is(ca.subject, 'CN=rdd-t-ca');
  t.true(new X509Certificate(m.certPem).verify(ca.publicKey));
});

test('a CA whose key does not match it is replaced, with a new key', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdd-tls-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const f = tlsFiles(dir);
  fs.copyFileSync(path.join(FIXTURES, 'rsa-ca.crt'), f.caCert);
  const other = ensureTls(path.join(dir, 'other'), { commonName: 'other' });
  fs.writeFileSync(f.caKey, other.keyPem);
  const m = ensureTls(dir, { commonName: 'rdd-t-ca' });
  const ca = new X509Certificate(m.caPem);
  t.is(ca.subject, 'CN=rdd-t-ca');
  t.true(ca.checkPrivateKey(createPrivateKey(fs.readFileSync(f.caKey, 'utf8'))));
  t.true(new X509Certificate(m.certPem).verify(ca.publicKey));
});

// CI once saw a daemon die at start with "asn1 encoding routines::illegal padding": a random serial
// began 00 00 0x (one certificate in 65536), and node-forge strips only one leading zero.
test('certificates whose random serial begins with zero bytes are still valid DER', (t) => {
  for (const head of [[0x00, 0x00, 0x12], [0x00, 0x00, 0x00], [0xff, 0xff]]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdd-tls-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const serialBytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => head[i] ?? 0x5a);
    const m = ensureTls(dir, { commonName: 'rdd-t-ca', serialBytes });
    const ca = new X509Certificate(m.caPem);
    const cert = new X509Certificate(m.certPem);
    t.true(cert.verify(ca.publicKey), head.join(','));
    t.notThrows(() => createSecureContext({ key: m.keyPem, cert: m.certPem }), head.join(','));
  }
});

test('the kubeconfig embeds the CA and the token under a context named after the instance', (t) => {
  const k = parse(renderKubeconfig({ server: 'https://127.0.0.1:1234', caPem: 'PEM', token: 'tok', name: 'rdd-2' })) as {
    clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority-data': string } }>;
    users: Array<{ user: { token: string } }>;
    'current-context': string;
  };
  t.is(k['current-context'], 'rdd-2');
  t.is(k.clusters[0]!.cluster.server, 'https://127.0.0.1:1234');
  t.is(Buffer.from(k.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString(), 'PEM');
  t.is(k.users[0]!.user.token, 'tok');
});
