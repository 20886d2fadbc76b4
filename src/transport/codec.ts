// Frame codecs for the two subprotocols. Each connection gets its own Packr/Unpackr pair
// (msgpackr state is per stream); decoding never enables structuredClone or moreTypes, so
// untrusted frames cannot build cycles or exotic objects.
import { Packr, Unpackr, type Options } from 'msgpackr';
import type { Encoding } from './protocol.js';

export type Frame = Buffer | string;

export interface Codec {
  readonly encoding: Encoding;
  /** msgpack travels in binary frames, JSON in text frames. */
  readonly binary: boolean;
  encode(msg: unknown): Frame;
  /** Throws on undecodable input (the caller closes with 1007). */
  decode(data: Buffer): unknown;
}

const BASE = { useRecords: false, moreTypes: false, structuredClone: false } as const;
// `skipValues` (msgpackr 2.x, missing from its typings) drops undefined-valued keys as JSON does;
// otherwise undefined becomes an msgpackr extension that other decoders cannot read.
const PACK_OPTIONS: Options = { ...BASE, skipValues: [undefined] } as Options;
const UNPACK_OPTIONS: Options = { ...BASE, int64AsType: 'number', mapsAsObjects: true };

export function createCodec(encoding: Encoding): Codec {
  if (encoding === 'json') {
    return {
      encoding,
      binary: false,
      encode: (msg) => JSON.stringify(msg),
      decode: (data) => JSON.parse(data.toString('utf8')) as unknown,
    };
  }
  // Created on first use: a Packr costs about 1 KiB, and idle connections never need it.
  let packr: Packr | undefined;
  let unpackr: Unpackr | undefined;
  return {
    encoding,
    binary: true,
    // pack() returns a view on a shared slab; the view itself is stable, so it can be queued.
    encode: (msg) => (packr ??= new Packr(PACK_OPTIONS)).pack(msg),
    decode: (data) => (unpackr ??= new Unpackr(UNPACK_OPTIONS)).unpack(data) as unknown,
  };
}

// ---- shared bodies for fan-out ------------------------------------------------------------------
// A condition transition goes to many subscribers that differ only in their `sub` field. The body
// is encoded once per encoding, and each frame is that body with one field put in front.

const sharedPackr = new Packr(PACK_OPTIONS);

export interface SharedBody {
  readonly json: () => string;
  readonly msgpack: () => Buffer;
  /** Finished frames by encoding + field: subscribers with the same id share one frame. */
  readonly frames: Map<string, Frame>;
}

/** Lazily encodes `body` (a plain object) once per encoding. */
export function sharedBody(body: object): SharedBody {
  let json: string | undefined;
  let packed: Buffer | undefined;
  return {
    json: () => (json ??= JSON.stringify(body)),
    msgpack: () => (packed ??= Buffer.from(sharedPackr.pack(body))),
    frames: new Map(),
  };
}

/**
 * The frame `{ [key]: value, ...body }` for one subscriber, reusing the shared encoding. Frames
 * are never mutated after creation (server frames are not masked), so one can go to many sockets.
 */
export function frameWithField(
  shared: SharedBody,
  encoding: Encoding,
  key: string,
  value: number | string,
  cacheKey = fieldFrameKey(encoding, key, value),
): Frame {
  let frame = shared.frames.get(cacheKey);
  if (frame === undefined) {
    frame = buildFrame(shared, encoding, key, value);
    shared.frames.set(cacheKey, frame);
  }
  return frame;
}

/** The cache key frameWithField uses; a subscriber computes it once. */
export function fieldFrameKey(encoding: Encoding, key: string, value: number | string): string {
  return `${encoding === 'json' ? 'j' : 'm'}${typeof value === 'number' ? 'n' : 's'}${key}\0${value}`;
}

function buildFrame(shared: SharedBody, encoding: Encoding, key: string, value: number | string): Frame {
  if (encoding === 'json') {
    const body = shared.json();
    const head = `{${JSON.stringify(key)}:${JSON.stringify(value)}`;
    return body.length <= 2 ? `${head}}` : `${head},${body.slice(1)}`;
  }
  const body = shared.msgpack();
  const { count, headerLength } = readMapHeader(body);
  const field = sharedPackr.pack([key, value]);
  // `field` is a fixarray of 2: drop its 1-byte header to get `key value` as map entry bytes.
  return Buffer.concat([mapHeader(count + 1), field.subarray(1), body.subarray(headerLength)]);
}

function readMapHeader(b: Buffer): { count: number; headerLength: number } {
  const first = b[0] ?? 0;
  if (first >= 0x80 && first <= 0x8f) return { count: first & 0x0f, headerLength: 1 };
  if (first === 0xde) return { count: b.readUInt16BE(1), headerLength: 3 };
  if (first === 0xdf) return { count: b.readUInt32BE(1), headerLength: 5 };
  throw new Error('shared msgpack body is not a map');
}

function mapHeader(count: number): Buffer {
  if (count < 16) return Buffer.from([0x80 | count]);
  if (count < 0x10000) {
    const b = Buffer.alloc(3);
    b[0] = 0xde;
    b.writeUInt16BE(count, 1);
    return b;
  }
  const b = Buffer.alloc(5);
  b[0] = 0xdf;
  b.writeUInt32BE(count, 1);
  return b;
}
