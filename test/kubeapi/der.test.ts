// The DER writer and reader behind the Kubernetes API certificates, checked against encodings
// from X.690 and RFC 5280 and against Node's own certificate parser.
import test from 'ava';
import * as der from '../../src/kubeapi/der.js';

const hex = (b: Buffer) => b.toString('hex');

test('object identifiers encode their arcs in base 128', (t) => {
  t.is(hex(der.oid('1.2.840.113549.1.1.11')), '06092a864886f70d01010b');
  t.is(hex(der.oid('2.5.29.17')), '0603551d11');
  t.is(hex(der.oid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
  t.throws(() => der.oid('1'), { message: /not an object identifier/ });
});

test('integers are minimal and never negative', (t) => {
  t.is(hex(der.unsignedInteger(Uint8Array.from([0, 0, 0x12]))), '020112');
  t.is(hex(der.unsignedInteger(Uint8Array.from([0, 0, 0x92]))), '02020092', 'a set top bit gets one zero byte');
  t.is(hex(der.unsignedInteger(Uint8Array.from([0x80]))), '02020080');
  t.is(hex(der.unsignedInteger(Uint8Array.from([0, 0]))), '020100');
  t.is(hex(der.smallInteger(2)), '020102');
});

test('lengths of 128 bytes and more use the long form', (t) => {
  t.is(hex(der.octetString(Buffer.alloc(127)).subarray(0, 2)), '047f');
  t.is(hex(der.octetString(Buffer.alloc(128)).subarray(0, 3)), '048180');
  t.is(hex(der.octetString(Buffer.alloc(300)).subarray(0, 4)), '0482012c');
});

test('named bits drop their trailing zero bits (KeyUsage)', (t) => {
  t.is(hex(der.namedBits([0])), '03020780', 'digitalSignature');
  t.is(hex(der.namedBits([0, 5, 6])), '03020186', 'digitalSignature, keyCertSign, cRLSign');
  t.is(hex(der.namedBits([8])), '0303070080');
  t.is(hex(der.namedBits([])), '030100');
});

test('times are UTCTime through 2049 and GeneralizedTime from 2050', (t) => {
  t.is(der.time(new Date('2049-12-31T23:59:59.900Z')).toString('latin1'), '\x17\x0d491231235959Z');
  t.is(der.time(new Date('2050-01-01T00:00:00Z')).toString('latin1'), '\x18\x0f20500101000000Z');
});

test('elements reads back what sequence wrote, long lengths included', (t) => {
  const parts = [der.oid('2.5.4.3'), der.utf8String('x'.repeat(200)), der.explicit(0, der.smallInteger(2))];
  t.deepEqual(der.elements(der.sequence(...parts)), parts);
  t.throws(() => der.elements(der.sequence(...parts).subarray(0, 40)), { message: /truncated/ });
});
