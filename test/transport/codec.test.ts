// Codecs and the shared-body fan-out encoding.
import test from 'ava';
import fc from 'fast-check';
import { Unpackr } from 'msgpackr';
import { createCodec, frameWithField, sharedBody } from '../../src/transport/codec.js';
import { checkPlainJson } from '../../src/transport/plain-json.js';

const unpackr = new Unpackr({ useRecords: false, int64AsType: 'number' });

test('frameWithField decodes to the body with the field in front, in both encodings', (t) => {
  const body = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== 'sub' && k !== '__proto__'),
    fc.jsonValue({ maxDepth: 3 }),
    { maxKeys: 40 },
  );
  fc.assert(
    fc.property(body, fc.oneof(fc.nat(), fc.string({ minLength: 1, maxLength: 20 })), (b, id) => {
      // msgpackr renames a decoded __proto__ key on purpose; the gateway refuses such keys anyway.
      fc.pre(!JSON.stringify(b).includes('"__proto__"'));
      const shared = sharedBody(b);
      const text = frameWithField(shared, 'json', 'sub', id) as string;
      const json = JSON.parse(text) as unknown;
      const mp = unpackr.unpack(frameWithField(shared, 'msgpack', 'sub', id) as Buffer) as unknown;
      // JSON normalizes -0 to 0; compare through JSON.
      const want = JSON.parse(JSON.stringify({ sub: id, ...b })) as unknown;
      t.deepEqual(json, want);
      t.deepEqual(JSON.parse(JSON.stringify(mp)), want);
      t.true(text.startsWith(`{"sub":${JSON.stringify(id)}`));
    }),
    { numRuns: 300 },
  );
});

test('codecs round-trip plain JSON values; msgpack int64 decodes as number', (t) => {
  for (const enc of ['json', 'msgpack'] as const) {
    const c = createCodec(enc);
    const v = { id: 1, op: 'get', nested: { a: [1, 'b', null, true], big: 2 ** 53 - 1 } };
    const f = c.encode(v);
    t.deepEqual(c.decode(Buffer.isBuffer(f) ? f : Buffer.from(f)), v);
  }
  // undefined-valued keys are dropped, as JSON drops them (no msgpackr-only extension on the wire).
  const packed = createCodec('msgpack').encode({ a: undefined, b: 1 }) as Buffer;
  t.is(packed.toString('hex'), '81a16201');
  const big = Buffer.from('d31000000000000000', 'hex');
  t.is(typeof createCodec('msgpack').decode(big), 'number');
});

test('checkPlainJson refuses non-JSON values and drops undefined keys', (t) => {
  const o: Record<string, unknown> = { a: 1, b: undefined, c: { d: undefined } };
  t.is(checkPlainJson(o), undefined);
  t.deepEqual(o, { a: 1, c: {} });
  t.regex(checkPlainJson({ a: new Date(0) })!, /\$\.a: not a plain object/);
  t.regex(checkPlainJson({ a: [undefined] })!, /undefined/);
  t.regex(checkPlainJson({ a: Number.POSITIVE_INFINITY })!, /not finite/);
  t.regex(checkPlainJson(JSON.parse('{"x":{"__proto__":{"p":1}}}'))!, /__proto__/);
  t.regex(checkPlainJson(10n)!, /bigint/);
  let deep: unknown = 1;
  for (let i = 0; i < 100; i++) deep = [deep];
  t.regex(checkPlainJson(deep)!, /nested deeper/);
});
