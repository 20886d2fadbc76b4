// The DER encoding (ITU-T X.690) of the few ASN.1 types an X.509 certificate needs. It replaces
// node-forge, which was a third of the daemon bundle and cannot build certificates for EC keys
// (see docs/kube-api.md, "Certificates").

/** One encoded value: tag, length and contents. */
export type Der = Buffer;

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, contents: Buffer): Der {
  return Buffer.concat([Buffer.from([tag]), length(contents.length), contents]);
}

export const sequence = (...items: Der[]): Der => tlv(0x30, Buffer.concat(items));
export const set = (...items: Der[]): Der => tlv(0x31, Buffer.concat(items));
/** `[n] EXPLICIT`: a constructed context-specific wrapper. */
export const explicit = (n: number, inner: Der): Der => tlv(0xa0 | n, inner);
/** `[n] IMPLICIT` over a primitive type: the same contents under a context-specific tag. */
export const implicit = (n: number, contents: Buffer): Der => tlv(0x80 | n, contents);
export const boolean = (v: boolean): Der => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
export const octetString = (b: Buffer): Der => tlv(0x04, b);
export const nullValue = (): Der => tlv(0x05, Buffer.alloc(0));
export const utf8String = (s: string): Der => tlv(0x0c, Buffer.from(s, 'utf8'));

/** A non-negative INTEGER from big-endian bytes: minimal, with a 00 byte when the top bit is set. */
export function unsignedInteger(bytes: Uint8Array): Der {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const body = Buffer.from(bytes.subarray(i));
  return tlv(0x02, body.length === 0 || ((body[0] ?? 0) & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), body]) : body);
}

export const smallInteger = (n: number): Der => unsignedInteger(Uint8Array.from([n]));

/** A BIT STRING whose length is a whole number of bytes. */
export const bitString = (b: Buffer): Der => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));

/**
 * A named-bit BIT STRING (such as KeyUsage) from the positions of the bits that are set, bit 0
 * first. DER drops the trailing zero bits and counts them in the first byte.
 */
export function namedBits(positions: readonly number[]): Der {
  if (positions.length === 0) return tlv(0x03, Buffer.from([0]));
  const last = Math.max(...positions);
  const bytes = Buffer.alloc(Math.floor(last / 8) + 1);
  for (const p of positions) bytes.writeUInt8(bytes.readUInt8(Math.floor(p / 8)) | (0x80 >> (p % 8)), Math.floor(p / 8));
  return tlv(0x03, Buffer.concat([Buffer.from([7 - (last % 8)]), bytes]));
}

export function oid(dotted: string): Der {
  const arcs = dotted.split('.').map(Number);
  const [a, b, ...rest] = arcs;
  if (a === undefined || b === undefined || arcs.some((x) => !Number.isSafeInteger(x) || x < 0)) throw new Error(`not an object identifier: ${dotted}`);
  const out = [40 * a + b];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, always in UTC to the second. */
export function time(d: Date): Der {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z';
  const year = d.getUTCFullYear();
  return year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
}

/** The encoded elements inside a constructed value (such as a SEQUENCE), each with its tag and length. */
export function elements(value: Der): Der[] {
  const header = headerLength(value, 0);
  const end = header.start + header.length;
  if (end > value.length) throw new Error('truncated DER value');
  const out: Der[] = [];
  for (let at = header.start; at < end; ) {
    const h = headerLength(value, at);
    const next = h.start + h.length;
    if (next > end) throw new Error('truncated DER element');
    out.push(value.subarray(at, next));
    at = next;
  }
  return out;
}

function headerLength(b: Buffer, at: number): { start: number; length: number } {
  if (((b[at] ?? 0) & 0x1f) === 0x1f) throw new Error('multi-byte DER tags are not supported');
  const first = b[at + 1];
  if (first === undefined) throw new Error('truncated DER header');
  if (first < 0x80) return { start: at + 2, length: first };
  const n = first & 0x7f;
  if (n === 0 || n > 4) throw new Error('unsupported DER length');
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + (b[at + 2 + i] ?? 0);
  return { start: at + 2 + n, length };
}
