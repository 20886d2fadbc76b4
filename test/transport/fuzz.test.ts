// 10,000 random and malformed frames (fast-check): the daemon stays up, every well-formed request
// gets an answer with its id, every bad frame gets a typed error or the documented close code.
import test from 'ava';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { CloseCodes, type Encoding } from '../../src/transport/index.js';
import { rawConnect, startEnv, type Env, type RawPeer } from './helpers.js';

const MAX_PAYLOAD = 8 * 1024;
const RUNS = 100;
const FRAMES_PER_RUN = 100;

type Frame =
  | { kind: 'request'; encoding: Encoding; msg: Record<string, unknown> }
  | { kind: 'shape'; encoding: Encoding; value: unknown }
  | { kind: 'bytes'; encoding: Encoding; data: Uint8Array }
  | { kind: 'huge'; encoding: Encoding; size: number }
  | { kind: 'wrongType'; encoding: Encoding };

const encodingArb = fc.constantFrom<Encoding>('json', 'msgpack');
const name = fc.constantFrom('a', 'b', 'c', 'missing', 'tpl');
const kind = fc.constantFrom('ConfigMap', 'cm', 'LimaVM', 'Namespace', 'App', 'Widget');
const selector = fc.constantFrom('', 'x=1', 'x!=1', 'x in (a,b)', '!x', 'x', 'bad in (');

/** Requests that pass the schema (the server may still refuse them, with a typed error). */
const requestArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.constant({ op: 'hello' }),
  fc.record({ op: fc.constant('get'), kind, name }),
  fc.record({ op: fc.constant('list'), kind, labelSelector: selector }),
  fc.record({
    op: fc.constant('create'),
    object: fc.record({
      apiVersion: fc.constant('v1'),
      kind: fc.constant('ConfigMap'),
      metadata: fc.record({ name, namespace: fc.constant('default') }),
      data: fc.dictionary(fc.constantFrom('x', 'y', 'z'), fc.string({ maxLength: 8 })),
    }),
    dryRun: fc.boolean(),
  }),
  fc.record({ op: fc.constant('patch'), kind: fc.constant('ConfigMap'), name, patch: fc.record({ data: fc.dictionary(fc.constantFrom('x', 'y'), fc.option(fc.string({ maxLength: 4 }))) }) }),
  fc.record({ op: fc.constant('delete'), kind: fc.constant('ConfigMap'), name, dryRun: fc.boolean() }),
  fc.record({ op: fc.constant('watch'), kind, resourceVersion: fc.constantFrom('0', '1', '999999') }),
  fc.record({ op: fc.constant('conditions'), kind: fc.constantFrom('LimaVM', 'App'), name }),
  fc.record({ op: fc.constant('cancel'), stream: fc.nat({ max: 20 }) }),
);

/** Decodable values that are certainly not valid requests. */
const shapeArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
  fc.record({ id: fc.nat(), op: fc.string({ maxLength: 12 }).filter((s) => !['hello', 'get', 'list', 'create', 'update', 'patch', 'delete', 'watch', 'unwatch', 'conditions', 'logs', 'cancel'].includes(s)) }),
  fc.record({ id: fc.nat(), op: fc.constant('get'), kind: fc.integer() }),
  fc.record({ id: fc.oneof(fc.constant(-1), fc.constant(1.5), fc.constant(''), fc.constant(null), fc.array(fc.nat())), op: fc.constant('hello') }),
  fc.record({ id: fc.nat(), op: fc.constant('hello'), extra: fc.jsonValue() }),
  fc.record({ id: fc.nat(), op: fc.constant('create'), object: fc.jsonValue() }).filter((r) => typeof r.object !== 'object' || r.object === null),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })).filter((d) => !('id' in d && 'op' in d)),
);

const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 90, arbitrary: fc.record({ kind: fc.constant('request' as const), encoding: encodingArb, msg: requestArb }) },
  { weight: 76, arbitrary: fc.record({ kind: fc.constant('shape' as const), encoding: encodingArb, value: shapeArb }) },
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('bytes' as const), encoding: encodingArb, data: fc.uint8Array({ minLength: 1, maxLength: 64 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('huge' as const), encoding: encodingArb, size: fc.integer({ min: MAX_PAYLOAD + 1, max: MAX_PAYLOAD * 4 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('wrongType' as const), encoding: encodingArb }) },
);

const packr = new Packr({ useRecords: false });

/** Waits for either the next response (skipping stream events) or the close code. */
async function outcome(peer: RawPeer): Promise<{ response?: Record<string, unknown>; close?: number }> {
  try {
    return { response: await peer.until((m) => 'ok' in m, 20_000) };
  } catch (e) {
    if (peer.ws.readyState !== peer.ws.CLOSED) throw e;
    return { close: (await peer.closed).code };
  }
}

const isStatus = (e: unknown): boolean => {
  const s = e as { kind?: unknown; status?: unknown; code?: unknown; reason?: unknown; message?: unknown };
  return s?.kind === 'Status' && s.status === 'Failure' && typeof s.code === 'number' && typeof s.reason === 'string' && typeof s.message === 'string';
};

test('fuzz: 10,000 random and malformed frames', async (t) => {
  t.timeout(5 * 60_000);
  const env: Env = await startEnv(t, { limits: { maxPayload: MAX_PAYLOAD, maxStreams: 64 } });
  const peers = new Map<Encoding, RawPeer>();
  const peer = async (e: Encoding): Promise<RawPeer> => {
    let p = peers.get(e);
    if (!p || p.ws.readyState !== p.ws.OPEN) {
      p = await rawConnect(t, env.gw, { encoding: e, via: e === 'json' ? 'tcp' : 'unix' });
      peers.set(e, p);
    }
    return p;
  };
  let nextId = 1;
  const tally = { frames: 0, answered: 0, typedErrors: 0, closes: {} as Record<number, number> };
  const failures: string[] = [];

  await fc.assert(
    fc.asyncProperty(fc.array(frameArb, { minLength: FRAMES_PER_RUN, maxLength: FRAMES_PER_RUN }), async (frames) => {
      for (const f of frames) {
        tally.frames++;
        const p = await peer(f.encoding);
        const binary = f.encoding === 'msgpack';
        const enc = (v: unknown): Buffer | string => (binary ? packr.pack(v) : JSON.stringify(v));
        let expectId: number | undefined;
        switch (f.kind) {
          case 'request':
            expectId = nextId++;
            p.sendRaw(enc({ id: expectId, ...f.msg }), binary);
            break;
          case 'shape':
            p.sendRaw(enc(f.value), binary);
            break;
          case 'bytes':
            p.sendRaw(Buffer.from(f.data), binary);
            break;
          case 'huge':
            p.sendRaw(binary ? Buffer.alloc(f.size, 0x90) : ' '.repeat(f.size), binary);
            break;
          case 'wrongType':
            p.sendRaw(binary ? '{"id":1,"op":"hello"}' : Buffer.from(JSON.stringify({ id: 1, op: 'hello' })), !binary);
            break;
        }
        const o = await outcome(p);
        const fail = (why: string): void => {
          failures.push(`${why}: ${JSON.stringify(f).slice(0, 300)} -> ${JSON.stringify(o).slice(0, 300)}`);
        };
        if (o.close !== undefined) tally.closes[o.close] = (tally.closes[o.close] ?? 0) + 1;
        if (o.response && o.response.ok === false) tally.typedErrors++;
        switch (f.kind) {
          case 'request':
            if (!o.response || o.response.id !== expectId) fail('well-formed request not answered');
            else if (o.response.ok === false && !isStatus(o.response.error)) fail('error is not a Status');
            else tally.answered++;
            break;
          case 'shape':
            if (!o.response || o.response.ok !== false || !isStatus(o.response.error) || (o.response.error as { code: number }).code !== 400) {
              fail('bad shape without a typed 400');
            }
            break;
          case 'bytes':
            if (o.close !== undefined ? o.close !== CloseCodes.InvalidPayload : !(o.response?.ok === false && isStatus(o.response.error))) {
              fail('random bytes neither typed error nor 1007');
            }
            break;
          case 'huge':
            if (o.close !== CloseCodes.MessageTooBig) fail('oversized frame not closed with 1009');
            break;
          case 'wrongType':
            if (o.close !== CloseCodes.UnsupportedData) fail('wrong frame type not closed with 1003');
            break;
        }
        if (failures.length > 0) return false;
      }
      return true;
    }),
    { numRuns: RUNS, seed: 0x5eed, endOnFailure: true },
  );
  t.deepEqual(failures.slice(0, 5), []);
  t.is(tally.frames, RUNS * FRAMES_PER_RUN);
  t.log(JSON.stringify(tally));
  // Still up, and still correct.
  const c = await env.client();
  t.is((await c.hello()).daemon.instance, 'test');
  t.true(tally.closes[CloseCodes.MessageTooBig]! > 0 && tally.closes[CloseCodes.UnsupportedData]! > 0);
});
