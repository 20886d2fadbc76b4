// A consumer that stops reading: its watch events are conflated per object, then it is closed
// with 1013; the client library resumes and converges without seeing any version twice.
import type { Socket } from 'node:net';
import test from 'ava';
import type { Resource } from '../../src/api/index.js';
import { CloseCodes } from '../../src/transport/index.js';
import { configMap, eventually, rawConnect, startEnv, type Env } from './helpers.js';

const LIMITS = { conflateAboveBytes: 16 * 1024, closeAboveBytes: 64 * 1024 * 1024, stallMs: 800, closeGraceMs: 30_000 };
const NAMES = Array.from({ length: 8 }, (_, i) => `cm${i}`);
const PAYLOAD = 'x'.repeat(4096);

function socketOf(ws: unknown): Socket {
  return (ws as { _socket: Socket })._socket;
}

/** Writes round-robin until the gateway reports merged (conflated) events; returns the write count. */
async function writeUntilConflated(env: Env): Promise<number> {
  let writes = 0;
  const start = env.gw.stats().connections[0]?.conflated ?? 0;
  while ((env.gw.stats().connections[0]?.conflated ?? 0) < start + 40) {
    for (const n of NAMES) env.store.patch('ConfigMap', 'default', n, { data: { v: String(++writes), p: PAYLOAD } });
    if (writes > 40_000) throw new Error('no conflation after 40000 writes');
    if (writes % 64 === 0) await new Promise((r) => setImmediate(r));
  }
  return writes;
}

test('raw: a paused consumer gets conflated events, then close 1013', async (t) => {
  const env = await startEnv(t, { limits: LIMITS });
  for (const n of NAMES) await env.api.create(configMap(n, { v: '0' }));
  const peer = await rawConnect(t, env.gw, { via: 'unix' });
  peer.send({ id: 1, op: 'watch', kind: 'ConfigMap', namespace: 'default', bookmarks: true });
  await peer.until((m) => m.type === 'BOOKMARK');
  socketOf(peer.ws).pause();
  let writes = await writeUntilConflated(env);
  t.true(env.gw.stats().connections[0]!.pendingEvents > 0);
  // Reading again drains the held events (flagged), followed by a sync bookmark.
  socketOf(peer.ws).resume();
  await eventually(() => env.gw.stats().connections[0]?.pendingEvents === 0, 15_000, 'drain');
  const sync = await peer.until((m) => m.type === 'BOOKMARK');
  const upToSync = peer.received.slice(0, peer.received.indexOf(sync));
  t.true(upToSync.some((m) => m.conflated === true));
  t.true(Number((sync.object as Resource).metadata.resourceVersion) >= env.store.currentRevision());
  // Stuck for good this time.
  socketOf(peer.ws).pause();
  writes += await writeUntilConflated(env);
  // No more writes: the consumer stays stuck and is closed after the stall period.
  await eventually(() => env.gw.stats().connections[0]?.closing === true, 15_000, 'overload close');
  socketOf(peer.ws).resume();
  const { code } = await peer.closed;
  t.is(code, CloseCodes.TryAgainLater);

  const events = peer.received.filter((m) => m.watch === 1 && m.type === 'MODIFIED');
  t.true(events.length < writes, `${events.length} events for ${writes} writes`);
  t.true(events.some((m) => m.conflated === true));
  // Per object, versions only move forward (the latest replaced the held ones).
  const last = new Map<string, number>();
  for (const m of events) {
    const o = m.object as Resource;
    const rv = Number(o.metadata.resourceVersion);
    t.true(rv > (last.get(o.metadata.name) ?? 0));
    last.set(o.metadata.name, rv);
  }
  // The daemon serves others meanwhile.
  const other = await rawConnect(t, env.gw);
  other.send({ id: 1, op: 'hello' });
  t.like(await other.next(), { ok: true });
});

test('client: after 1013 the watch resumes and converges, never delivering a version twice', async (t) => {
  const env = await startEnv(t, { limits: LIMITS });
  for (const n of NAMES) await env.api.create(configMap(n, { v: '0' }));
  const c = await env.client();
  const view = new Map<string, Resource>();
  const problems: string[] = [];
  const w = c.watch({ kind: 'ConfigMap', namespace: 'default' }, (ev) => {
    if (ev.type === 'BOOKMARK') return;
    const name = ev.object.metadata.name;
    const prev = view.get(name);
    if (prev && Number(ev.object.metadata.resourceVersion) <= Number(prev.metadata.resourceVersion)) {
      problems.push(`${name}: ${prev.metadata.resourceVersion} then ${ev.object.metadata.resourceVersion}`);
    }
    view.set(name, ev.object);
  });
  await w.started;
  await eventually(() => view.size === NAMES.length);
  const first = c.currentConnection()!;
  socketOf(first.socket).pause();
  await writeUntilConflated(env);
  await eventually(() => env.gw.stats().connections[0]?.closing === true, 15_000, 'overload close');
  socketOf(first.socket).resume();
  // More writes while the client reconnects.
  for (const n of NAMES) env.store.patch('ConfigMap', 'default', n, { data: { v: 'final' } });
  await eventually(() => NAMES.every((n) => view.get(n)?.data?.v === 'final'), 20_000, 'convergence');
  t.not(c.currentConnection(), first);
  t.deepEqual(problems, []);
  for (const n of NAMES) t.is(view.get(n)!.metadata.resourceVersion, env.store.mustGet('ConfigMap', 'default', n).metadata.resourceVersion);
  w.close();
});
