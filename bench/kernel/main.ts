// Kernel benchmark: prints one JSON object. Throughput through one actor via the kernel and via
// raw nact in the same run (ratio), ask round trip p50/p99, and spawn + stop of 10,000 actors
// (time, heap per actor). Re-executes itself with --expose-gc so heap figures are after a full GC.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import nact from 'nact';
import { silentLogger } from '../../src/log.js';
import { createKernel, type ActorRef, type Behavior, type Kernel } from '../../src/supervisor/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

interface NactLike {
  start(): unknown;
  spawn(parent: unknown, f: (s: number, m: unknown, ctx: { sender: unknown }) => number, name?: string, props?: object): unknown;
  dispatch(ref: unknown, msg: unknown, sender?: unknown): void;
  query(ref: unknown, msg: unknown, ms: number): Promise<unknown>;
  stop(ref: unknown): void;
}
const raw = nact as unknown as NactLike;

const now = () => performance.now();
const fullGc = () => {
  gc!();
  gc!();
};
const heap = () => process.memoryUsage().heapUsed;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

type End = { end: (count: number) => void };
type TMsg = number | End;
const isEnd = (m: unknown): m is End => typeof m === 'object' && m !== null && 'end' in m;

async function nactThroughput(n: number): Promise<number> {
  const sys = raw.start();
  let done!: (count: number) => void;
  const finished = new Promise<number>((r) => (done = r));
  const a = raw.spawn(sys, (s, m) => (isEnd(m) ? (m.end(s), s) : s + 1), 'raw', { initialState: 0 });
  const t0 = now();
  for (let i = 0; i < n; i++) raw.dispatch(a, 1);
  raw.dispatch(a, { end: done });
  const handled = await finished;
  const ms = now() - t0;
  if (handled !== n) throw new Error(`nact handled ${handled} of ${n} messages`);
  raw.stop(a);
  raw.stop(sys);
  return (n / ms) * 1000;
}

async function kernelThroughput(n: number): Promise<number> {
  const k = createKernel({ log: silentLogger() });
  const behavior: Behavior<number, TMsg> = {
    init: () => 0,
    receive: (s, m) => (isEnd(m) ? (m.end(s), s) : s + 1),
  };
  const a = k.spawn({ name: 'counter', behavior });
  let done!: (count: number) => void;
  const finished = new Promise<number>((r) => (done = r));
  const t0 = now();
  for (let i = 0; i < n; i++) a.tell(1);
  a.tell({ end: done });
  const handled = await finished;
  const ms = now() - t0;
  if (handled !== n) throw new Error(`the kernel handled ${handled} of ${n} messages`);
  await k.shutdown({ timeoutMs: 5000 });
  return (n / ms) * 1000;
}

async function throughput() {
  const n = 200_000;
  const rounds = 7;
  const kernel: number[] = [];
  const nactRates: number[] = [];
  const ratios: number[] = [];
  await kernelThroughput(20_000); // warm-up, both paths
  await nactThroughput(20_000);
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so GC debt from one side does not always land on the other.
    const [r, k] = i % 2 === 0 ? [await nactThroughput(n), await kernelThroughput(n)] : [0, 0];
    const [k2, r2] = i % 2 === 1 ? [await kernelThroughput(n), await nactThroughput(n)] : [k, r];
    kernel.push(k2);
    nactRates.push(r2);
    ratios.push(k2 / r2);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    messages: n,
    rounds,
    kernelMsgPerSec: Math.round(median(kernel)),
    nactMsgPerSec: Math.round(median(nactRates)),
    /** Median of the per-round kernel/nact ratios (each round runs both back to back). */
    ratio: round(median(ratios), 3),
    ratioMin: round(Math.min(...ratios), 3),
    ratioMax: round(Math.max(...ratios), 3),
    target: 0.6,
    ok: median(ratios) >= 0.6,
  };
}

type Echo = { id: number; reply: (n: number) => void };

async function askLatency() {
  const k = createKernel({ log: silentLogger() });
  const echo = k.spawn<null, Echo>({
    name: 'echo',
    behavior: {
      init: () => null,
      receive: (s, m) => {
        m.reply(m.id);
        return s;
      },
    },
  });
  const ask = (id: number) => k.ask(echo, (reply: (n: number) => void): Echo => ({ id, reply }), 5000);
  for (let i = 0; i < 2000; i++) await ask(i);
  const lat: number[] = [];
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const t = now();
    await ask(i);
    lat.push((now() - t) * 1000);
  }
  lat.sort((a, b) => a - b);
  await k.shutdown({ timeoutMs: 5000 });

  // nact's own query on the same machine, for reference only (the kernel never uses it).
  const sys = raw.start();
  const e = raw.spawn(sys, (s, m, ctx) => (raw.dispatch(ctx.sender, m), s), 'echo', { initialState: 0 });
  for (let i = 0; i < 2000; i++) await raw.query(e, i, 5000);
  const q: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = now();
    await raw.query(e, i, 5000);
    q.push((now() - t) * 1000);
  }
  q.sort((a, b) => a - b);
  raw.stop(e);
  raw.stop(sys);
  return {
    n,
    p50Us: round(pct(lat, 0.5)),
    p99Us: round(pct(lat, 0.99)),
    nactQueryP50Us: round(pct(q, 0.5)),
    nactQueryP99Us: round(pct(q, 0.99)),
  };
}

type SupMsg = { t: 'spawn'; n: number };

async function spawnStop(stopChildren: 'in_order' | 'parallel') {
  const actors = 10_000;
  const k: Kernel = createKernel({ log: silentLogger() });
  let started = 0;
  let allStarted!: () => void;
  const ready = new Promise<void>((r) => (allStarted = r));
  const child: Behavior<number, number> = {
    init: () => {
      if (++started === actors) allStarted();
      return 0;
    },
    receive: (s, m) => s + m,
  };
  const sup: ActorRef<SupMsg> = k.spawn<null, SupMsg>({
    name: 'sup',
    stopChildren,
    shutdownMs: 'infinity',
    behavior: {
      init: () => null,
      receive: (s, m, ctx) => {
        for (let i = 0; i < m.n; i++) ctx.spawn({ name: `c${i}`, behavior: child });
        return s;
      },
    },
  });
  await new Promise<void>((resolve) => {
    const off = k.inspect((ev) => {
      if (ev.type === 'started' && ev.path === sup.path) {
        off();
        resolve();
      }
    });
  });
  fullGc();
  const h0 = heap();
  const t0 = now();
  sup.tell({ t: 'spawn', n: actors });
  await ready;
  const spawnMs = now() - t0;
  fullGc();
  const h1 = heap();
  const t1 = now();
  await k.stop(sup);
  const stopMs = now() - t1;
  await k.shutdown({ timeoutMs: 5000 });
  return { spawnMs: round(spawnMs, 1), stopMs: round(stopMs, 1), bytesPerActor: Math.round((h1 - h0) / actors) };
}

async function nactSpawnHeap() {
  const actors = 10_000;
  const sys = raw.start();
  const parent = raw.spawn(sys, (s) => s, 'parent', { initialState: 0 });
  fullGc();
  const h0 = heap();
  const refs: unknown[] = [];
  for (let i = 0; i < actors; i++) refs.push(raw.spawn(parent, (s) => s + 1, `a${i}`, { initialState: 0 }));
  fullGc();
  const h1 = heap();
  for (const r of refs) raw.stop(r);
  raw.stop(parent);
  raw.stop(sys);
  return Math.round((h1 - h0) / actors);
}

const tp = await throughput();
const ask = await askLatency();
const seq = await spawnStop('in_order');
const par = await spawnStop('parallel');
const nactBytes = await nactSpawnHeap();
process.stdout.write(
  JSON.stringify({
    node: process.version,
    cpus: cpus().length,
    throughput: tp,
    ask,
    spawnStop: {
      actors: 10_000,
      spawnMs: seq.spawnMs,
      stopInOrderMs: seq.stopMs,
      stopParallelMs: par.stopMs,
      heapKBPerActor: round(seq.bytesPerActor / 1024),
      heapKBPerActorParallelRun: round(par.bytesPerActor / 1024),
      nactAloneKBPerActor: round(nactBytes / 1024),
      targetKB: 2,
      ok: seq.bytesPerActor <= 2048,
    },
  }) + '\n',
);
