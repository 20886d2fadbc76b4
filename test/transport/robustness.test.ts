// Bad frames, limits and heartbeats: typed errors where the connection can continue, the
// documented close codes where it cannot, and the daemon keeps serving throughout.
import test from 'ava';
import { Packr } from 'msgpackr';
import { CloseCodes, PROTOCOL_VERSION } from '../../src/transport/index.js';
import { configMap, eventually, rawConnect, startEnv } from './helpers.js';

test('unknown op and malformed requests get typed BadRequest errors; the connection stays', async (t) => {
  const env = await startEnv(t);
  const peer = await rawConnect(t, env.gw);
  peer.send({ id: 1, op: 'frobnicate' });
  const unknown = await peer.next();
  t.like(unknown, { id: 1, ok: false, error: { kind: 'Status', code: 400, reason: 'BadRequest' } });
  t.regex((unknown.error as { message: string }).message, /unknown operation "frobnicate"/);

  peer.send({ id: 2, op: 'get', kind: 'ConfigMap' });
  const missing = await peer.next();
  t.like(missing, { id: 2, ok: false, error: { code: 400 } });
  t.true(((missing.error as { details: { causes: { field: string }[] } }).details.causes).some((c) => c.field === 'name'));

  peer.send({ id: 3, op: 'get', kind: 'ConfigMap', name: 'x', bogus: true });
  t.like(await peer.next(), { id: 3, ok: false, error: { code: 400 } });

  peer.send([1, 2, 3]);
  t.like(await peer.next(), { id: null, ok: false, error: { code: 400 } });
  peer.send({ op: 'hello' });
  t.like(await peer.next(), { id: null, ok: false });
  peer.send({ id: -1, op: 'hello' });
  t.like(await peer.next(), { id: null, ok: false });
  peer.send({ id: 4, op: 'create', object: { kind: 'ConfigMap', metadata: { name: 'p', namespace: 'default', __proto__x: 1 }, ['__proto__']: {} } });
  t.like(await peer.until((m) => m.id === 4), { ok: false, error: { code: 400 } });
  // Also as literal text, nested where a merge patch would walk into it.
  peer.sendRaw('{"id":5,"op":"patch","kind":"ConfigMap","name":"p","patch":{"__proto__":{"polluted":true}}}', false);
  t.like(await peer.until((m) => m.id === 5), { ok: false, error: { code: 400 } });
  t.is(({} as Record<string, unknown>).polluted, undefined);

  peer.send({ id: 6, op: 'hello' });
  t.like(await peer.until((m) => m.id === 6), { ok: true, result: { protocol: PROTOCOL_VERSION } });
});

test('msgpack values that are not JSON (dates, binary, NaN) get typed errors', async (t) => {
  const env = await startEnv(t);
  const peer = await rawConnect(t, env.gw, { encoding: 'msgpack' });
  const packr = new Packr({ useRecords: false });
  peer.sendRaw(packr.pack({ id: 1, op: 'create', object: { kind: 'ConfigMap', metadata: { name: new Date(0) } } }), true);
  t.like(await peer.next(), { id: 1, ok: false, error: { code: 400 } });
  peer.sendRaw(packr.pack({ id: 2, op: 'patch', kind: 'ConfigMap', name: 'a', patch: { data: Buffer.from('x') } }), true);
  t.like(await peer.next(), { id: 2, ok: false, error: { code: 400 } });
  peer.sendRaw(packr.pack({ id: 3, op: 'patch', kind: 'ConfigMap', name: 'a', patch: { n: Number.NaN } }), true);
  t.like(await peer.next(), { id: 3, ok: false, error: { code: 400 } });
  peer.sendRaw(Buffer.from([0xc1]), true);
  t.like(await peer.next(), { id: null, ok: false, error: { code: 400 } });
});

const closeCase = test.macro(async (t, encoding: 'json' | 'msgpack', send: (p: Awaited<ReturnType<typeof rawConnect>>) => void, code: number) => {
  const env = await startEnv(t, { limits: { maxPayload: 4096 } });
  const peer = await rawConnect(t, env.gw, { encoding });
  send(peer);
  t.is((await peer.closed).code, code);
  // The daemon is still up for everybody else.
  const other = await rawConnect(t, env.gw, { encoding });
  other.send({ id: 1, op: 'hello' });
  t.like(await other.next(), { id: 1, ok: true });
});

test('json: undecodable text closes with 1007', closeCase, 'json', (p) => p.sendRaw('{"id":1,', false), CloseCodes.InvalidPayload);
test('json: invalid UTF-8 closes with 1007', closeCase, 'json', (p) => p.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false), CloseCodes.InvalidPayload);
test('json: a binary frame closes with 1003', closeCase, 'json', (p) => p.sendRaw(Buffer.from('{}'), true), CloseCodes.UnsupportedData);
test('msgpack: a text frame closes with 1003', closeCase, 'msgpack', (p) => p.sendRaw('{"id":1,"op":"hello"}', false), CloseCodes.UnsupportedData);
test('msgpack: truncated data closes with 1007', closeCase, 'msgpack', (p) => p.sendRaw(Buffer.from([0x82, 0xa2, 0x69]), true), CloseCodes.InvalidPayload);
test('msgpack: trailing bytes close with 1007', closeCase, 'msgpack', (p) => p.sendRaw(Buffer.from([0x80, 0x80]), true), CloseCodes.InvalidPayload);
test('an oversized frame closes with 1009', closeCase, 'json', (p) => p.sendRaw('x'.repeat(5000), false), CloseCodes.MessageTooBig);

test('a full inbound queue answers 429 TooManyRequests; everything else is answered', async (t) => {
  const env = await startEnv(t, { limits: { maxQueuedRequests: 4 } });
  // A precheck that never finishes by itself keeps the first write in flight.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slowValidator = {
    validate: async () => {
      await gate;
      return { ok: true as const };
    },
  };
  const { createApi, defaultHooks } = await import('../../src/admission/index.js');
  const { silentLogger } = await import('../../src/log.js');
  const api = createApi({ store: env.store, hooks: defaultHooks({ templateValidator: slowValidator }), log: silentLogger() });
  const { startGateway } = await import('../../src/transport/index.js');
  const { INFO } = await import('./helpers.js');
  const path = await import('node:path');
  const gw = await startGateway({
    api,
    store: env.store,
    log: silentLogger(),
    socketPath: path.join(env.dir, 'q.sock'),
    endpointFile: path.join(env.dir, 'q.json'),
    info: INFO,
    limits: { maxQueuedRequests: 4 },
  });
  t.teardown(() => gw.close());
  const peer = await rawConnect(t, gw);
  const { TEMPLATE_CONFIGMAP_LABEL } = await import('../../src/api/index.js');
  const tpl = configMap('tpl', { template: 'a: 1\n' });
  tpl.metadata.labels = { [TEMPLATE_CONFIGMAP_LABEL]: 'true' };
  peer.send({ id: 0, op: 'create', object: tpl });
  // Wait until the slow write is running, so the queue holds exactly what follows.
  await eventually(() => gw.stats().connections[0]?.queued === 0);
  for (let i = 1; i <= 10; i++) peer.send({ id: i, op: 'hello' });
  const rejected: unknown[] = [];
  for (let i = 0; i < 6; i++) rejected.push(await peer.until((m) => m.ok === false));
  t.true(rejected.every((m) => (m as { error: { code: number; reason: string } }).error.code === 429));
  release();
  const answered = new Set<unknown>();
  while (answered.size < 5) answered.add((await peer.until((m) => m.ok === true)).id);
  t.deepEqual([...answered].sort(), [0, 1, 2, 3, 4]);
});

test('heartbeat terminates a peer that stops answering pings', async (t) => {
  // Generous interval: a live peer must get its pong back within one interval even on a busy machine.
  const env = await startEnv(t, { limits: { heartbeatMs: 500 } });
  const peer = await rawConnect(t, env.gw);
  await eventually(() => env.gw.stats().connections.length === 1);
  const deadId = env.gw.stats().connections[0]!.id;
  const live = await rawConnect(t, env.gw);
  await eventually(() => env.gw.stats().connections.length === 2);
  // Stop reading: the peer's pongs stop too.
  const sock = (peer.ws as unknown as { _socket: import('node:net').Socket })._socket;
  sock.pause();
  await eventually(() => !env.gw.stats().connections.some((c) => c.id === deadId), 20_000, 'dead peer terminated');
  live.send({ id: 1, op: 'hello' });
  t.like(await live.next(), { id: 1, ok: true });
  sock.resume();
  t.is(env.gw.stats().connections.length, 1);
});
