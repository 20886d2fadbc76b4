// Gateway fan-out bench: N clients subscribed to one object's condition stream, one status write,
// time until every client has the transition; then the same bytes pushed to N bare `ws` clients
// by the same server process. Also the memory cost of an idle connection. Prints one JSON object.
import { fork, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Packr, Unpackr } from 'msgpackr';
import { WebSocket, type RawData } from 'ws';
import type { Command } from './server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SIZES = [100, 1000];
const ROUNDS: Record<number, number> = { 100: 150, 1000: 40 };
const WARMUP = 5;
const IDLE = 1000;

const now = (): number => performance.timeOrigin + performance.now();

function fdLimit(): { soft: number; hard: number } {
  const q = (flag: string): number => Number(spawnSync('sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).stdout.trim()) || 0;
  return { soft: q('-Sn'), hard: q('-Hn') };
}

class Server {
  private queue: ((m: unknown) => void)[] = [];
  private constructor(private readonly child: ReturnType<typeof fork>) {
    child.on('message', (m) => this.queue.shift()?.(m));
  }
  static async start(): Promise<Server> {
    const child = fork(path.join(here, 'server.js'), [], { execArgv: ['--expose-gc', ...(process.env.RDD_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RDD_BENCH_PROF}`] : [])], stdio: ['ignore', 2, 2, 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    return new Server(child);
  }
  call<T>(c: Command): Promise<T> {
    return new Promise((resolve) => {
      this.queue.push(resolve as (m: unknown) => void);
      this.child.send(c);
    });
  }
}

interface Peer {
  ws: WebSocket;
  /** round → receipt time */
  got: Map<number, number>;
  /** round → the raw frame (kept by the first peer, to replay over bare ws) */
  frames?: Map<number, Buffer>;
}

function open(url: string, protocols: string[], headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function openMany<T>(n: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += 50) out.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => make(i + j)))));
  return out;
}

/** A gateway client subscribed to vm's conditions; records when each round's transition arrives. */
async function gatewayPeer(url: string, token: string, keepFrames: boolean): Promise<Peer> {
  const ws = await open(url, ['rdd.v1.msgpack'], { Authorization: `Bearer ${token}` });
  const unpackr = new Unpackr({ useRecords: false, int64AsType: 'number' });
  const peer: Peer = { ws, got: new Map(), ...(keepFrames ? { frames: new Map() } : {}) };
  let subscribed!: () => void;
  const ready = new Promise<void>((r) => (subscribed = r));
  ws.on('message', (data: RawData) => {
    const at = now();
    const m = unpackr.unpack(data as Buffer) as { type?: string; condition?: { message?: string } };
    if (m.type === 'snapshot') return subscribed();
    const round = Number(m.condition?.message?.slice(6));
    if (m.type === 'condition' && !Number.isNaN(round)) {
      peer.got.set(round, at);
      peer.frames?.set(round, Buffer.from(data as Buffer));
    }
  });
  // Every peer uses id 1, so every peer's frames are byte-identical (the raw run replays them).
  ws.send(packr.pack({ id: 1, op: 'conditions', kind: 'LimaVM', namespace: 'default', name: 'vm' }));
  await ready;
  return peer;
}

const packr = new Packr({ useRecords: false });

/** A bare ws client: decodes each frame the same way (fair), records the receipt of its k-th frame. */
async function rawPeer(url: string): Promise<Peer> {
  const ws = await open(url, [], {});
  const unpackr = new Unpackr({ useRecords: false, int64AsType: 'number' });
  const peer: Peer = { ws, got: new Map() };
  let k = 0;
  ws.on('message', (data: RawData) => {
    const at = now();
    unpackr.unpack(data as Buffer);
    peer.got.set(++k, at);
  });
  return peer;
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

interface Times {
  /** Before the write (gateway) or the send loop (raw). */
  t0: number;
  /** When the committed change reached the feed (gateway); = t0 for raw. */
  tPub: number;
  /** After every frame was handed to its socket (the fan-out is synchronous). */
  t1: number;
}

/** Per-run samples of one side. */
class Series {
  readonly latency: number[] = [];
  readonly span: number[] = [];
  readonly server: number[] = [];
  events = 0;

  add(peers: Peer[], round: number, from: number, t: Times): void {
    let last = 0;
    for (const p of peers) {
      const at = p.got.get(round)!;
      this.latency.push(at - from);
      last = Math.max(last, at);
    }
    this.span.push(last - from);
    this.server.push(t.t1 - from);
    this.events += peers.length;
  }

  result(n: number) {
    const lat = sorted(this.latency);
    const span = sorted(this.span);
    const total = this.span.reduce((a, b) => a + b, 0);
    return {
      p50Ms: round3(pct(lat, 50)),
      p99Ms: round3(pct(lat, 99)),
      /** Time until the last client had it, median over rounds. */
      fanoutMs: { p50: round3(pct(span, 50)), p99: round3(pct(span, 99)) },
      /** Server side only: until every frame was handed to its socket. */
      serverMs: { p50: round3(pct(sorted(this.server), 50)), p99: round3(pct(sorted(this.server), 99)) },
      /** Clients / median fan-out time. */
      eventsPerSec: Math.round(n / (pct(span, 50) / 1000)),
      /** All events / all fan-out time (sensitive to stalls of a busy machine). */
      meanEventsPerSec: Math.round(this.events / (total / 1000)),
      rounds: this.span.length,
    };
  }
}

async function waitAll(peers: Peer[], round: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!peers.every((p) => p.got.has(round))) {
    if (Date.now() > deadline) throw new Error(`round ${round}: only ${peers.filter((p) => p.got.has(round)).length}/${peers.length} peers got it`);
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * Alternates rounds: a status write through the gateway, then the very frame the gateway sent,
 * pushed by the same process to as many bare ws clients. Interleaving exposes both to the same
 * machine noise.
 */
async function run(server: Server, n: number, rounds: number, url: string, token: string, rawUrl: string, counts: () => Promise<{ gateway: number; raw: number }>) {
  const gwPeers = await openMany(n, (i) => gatewayPeer(url, token, i === 0));
  const rawPeers = await openMany(n, () => rawPeer(rawUrl));
  while ((await counts()).raw < n) await new Promise((r) => setTimeout(r, 10));
  const endToEnd = new Series();
  const fanout = new Series();
  const raw = new Series();
  const frames = gwPeers[0]!.frames!;
  let rawSends = 0;
  for (let i = 0; i < WARMUP + rounds; i++) {
    const round = nextRound++;
    const gatewayRound = async (): Promise<Times> => {
      const t = await server.call<Times>({ cmd: 'write', round });
      await waitAll(gwPeers, round);
      return t;
    };
    // The raw side replays the gateway's frame of the round before (same size and shape).
    const rawRound = async (): Promise<Times> => {
      const frame = frames.get(round - 1) ?? frames.get(round)!;
      const t = await server.call<Times>({ cmd: 'raw-send', frame: frame.toString('base64') });
      await waitAll(rawPeers, ++rawSends);
      return t;
    };
    // Alternate which goes first, so neither always follows the other's burst.
    let g: Times;
    let r: Times;
    if (i % 2 === 0 || !frames.has(round - 1)) {
      g = await gatewayRound();
      r = await rawRound();
    } else {
      r = await rawRound();
      g = await gatewayRound();
    }
    if (i < WARMUP) continue;
    endToEnd.add(gwPeers, round, g.t0, g);
    fanout.add(gwPeers, round, g.tPub, g);
    raw.add(rawPeers, rawSends, r.t0, r);
  }
  const frameBytes = frames.values().next().value!.length;
  for (const p of [...gwPeers, ...rawPeers]) p.ws.terminate();
  while (Object.values(await counts()).some((c) => c > 0)) await new Promise((r) => setTimeout(r, 10));
  const f = fanout.result(n);
  const w = raw.result(n);
  return {
    gateway: { fanout: f, endToEnd: endToEnd.result(n) },
    rawWs: w,
    frameBytes,
    ratio: {
      eventsPerSec: round3(f.eventsPerSec / w.eventsPerSec),
      p50Latency: round3(w.p50Ms / f.p50Ms),
      endToEndEventsPerSec: round3(endToEnd.result(n).eventsPerSec / w.eventsPerSec),
    },
  };
}

let nextRound = 1;

async function memoryPerIdle(server: Server, connect: () => Promise<WebSocket>, counts: () => Promise<number>): Promise<{ rssBytes: number; heapBytes: number }> {
  const before = await server.call<NodeJS.MemoryUsage>({ cmd: 'mem' });
  const sockets = await openMany(IDLE, () => connect());
  while ((await counts()) < IDLE) await new Promise((r) => setTimeout(r, 10));
  const after = await server.call<NodeJS.MemoryUsage>({ cmd: 'mem' });
  for (const s of sockets) s.terminate();
  while ((await counts()) > 0) await new Promise((r) => setTimeout(r, 10));
  return {
    rssBytes: Math.round((after.rss - before.rss) / IDLE),
    heapBytes: Math.round((after.heapUsed + after.external - before.heapUsed - before.external) / IDLE),
  };
}

/** Each side holds up to ~1,000 sockets; re-run under a raised soft limit when it is low. */
function ensureFdLimit(): { soft: number; hard: number } | undefined {
  const fds = fdLimit();
  const need = 4096;
  if (fds.soft >= need || fds.hard < need || process.env.RDD_BENCH_FD_RAISED) return fds;
  const r = spawnSync('sh', ['-c', `ulimit -Sn ${need} && exec "$0" "$@"`, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, RDD_BENCH_FD_RAISED: '1' },
  });
  process.exit(r.status ?? 1);
}

const WRITES = Number(process.env.BENCH_GATEWAY_WRITES ?? 400);
const WATCHERS = 100;

/** A gateway client that sends requests one at a time and resolves each with its answer. */
async function requester(url: string, token: string): Promise<{ ws: WebSocket; call: (req: Record<string, unknown>) => Promise<{ ok: boolean }>; onFrame: (fn: (m: Record<string, unknown>, at: number) => void) => void }> {
  const ws = await open(url, ['rdd.v1.msgpack'], { Authorization: `Bearer ${token}` });
  const unpackr = new Unpackr({ useRecords: false, int64AsType: 'number' });
  const pending = new Map<number, (m: { ok: boolean }) => void>();
  const listeners: ((m: Record<string, unknown>, at: number) => void)[] = [];
  let next = 1;
  ws.on('message', (data: RawData) => {
    const at = now();
    const m = unpackr.unpack(data as Buffer) as Record<string, unknown>;
    if (typeof m.id === 'number' && 'ok' in m) {
      pending.get(m.id)?.(m as unknown as { ok: boolean });
      pending.delete(m.id);
    }
    for (const l of listeners) l(m, at);
  });
  return {
    ws,
    call: (req) =>
      new Promise((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        ws.send(packr.pack({ id, ...req }));
      }),
    onFrame: (fn) => listeners.push(fn),
  };
}

/**
 * Write → ack: one client patches a small ConfigMap sequentially (the next patch after the
 * previous ack), through the whole write path (gateway, admission, store commit). Write → 100
 * watchers: 100 other clients watch that ConfigMap; from the send of each patch until each
 * watcher has its MODIFIED event (every pair, and the last watcher per write). Clients and clock
 * are in this process; the daemon side is server.ts.
 */
async function writeAck(url: string, token: string): Promise<Record<string, unknown>> {
  const writer = await requester(url, token);
  const created = await writer.call({ op: 'create', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'acks', namespace: 'default' }, data: { n: '0' } } });
  if (!created.ok) throw new Error(`create failed: ${JSON.stringify(created)}`);
  const sentAt = new Map<number, number>();
  const seen: number[][] = [];
  const watchers = await openMany(WATCHERS, async (w) => {
    const c = await requester(url, token);
    const got = new Map<number, number>();
    seen[w] = [];
    c.onFrame((m, at) => {
      const obj = m.object as { data?: { n?: string } } | undefined;
      if (m.type === 'MODIFIED' && obj?.data?.n !== undefined) got.set(Number(obj.data.n), at);
    });
    const r = await c.call({ op: 'watch', kind: 'ConfigMap', namespace: 'default', name: 'acks' });
    if (!r.ok) throw new Error('watch failed');
    return { c, got };
  });
  const acks: number[] = [];
  const warm = Math.min(50, Math.floor(WRITES / 5));
  for (let i = 1; i <= WRITES + warm; i++) {
    const t0 = now();
    sentAt.set(i, t0);
    const r = await writer.call({ op: 'patch', kind: 'ConfigMap', namespace: 'default', name: 'acks', patch: { data: { n: String(i) } } });
    if (!r.ok) throw new Error('patch failed');
    if (i > warm) acks.push(now() - t0);
  }
  // Let the last events arrive.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && watchers.some((w) => !w.got.has(WRITES + warm))) await new Promise((r) => setTimeout(r, 20));
  const all: number[] = [];
  const last: number[] = [];
  let missing = 0;
  for (let i = warm + 1; i <= WRITES + warm; i++) {
    let worst = 0;
    for (const w of watchers) {
      const at = w.got.get(i);
      if (at === undefined) {
        missing++;
        continue;
      }
      const d = at - sentAt.get(i)!;
      all.push(d);
      worst = Math.max(worst, d);
    }
    last.push(worst);
  }
  writer.ws.close();
  for (const w of watchers) w.c.ws.close();
  const a = sorted(acks);
  const e = sorted(all);
  const l = sorted(last);
  return {
    writes: WRITES,
    watchers: WATCHERS,
    write: 'patch of a ConfigMap data key over the gateway (admission + store commit), sequential from one client',
    ackP50Ms: round3(pct(a, 50)),
    ackP99Ms: round3(pct(a, 99)),
    writeToWatcherP50Ms: round3(pct(e, 50)),
    writeToWatcherP99Ms: round3(pct(e, 99)),
    writeToLastWatcherP50Ms: round3(pct(l, 50)),
    writeToLastWatcherP99Ms: round3(pct(l, 99)),
    missedEvents: missing,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const fds = ensureFdLimit();
  if (!fds) return;
  const server = await Server.start();
  const { url, token, rawUrl } = await server.call<{ url: string; token: string; rawUrl: string }>({ cmd: 'init' });
  const counts = () => server.call<{ gateway: number; raw: number }>({ cmd: 'counts' });
  const out: Record<string, unknown> = {};

  // Memory first, while the heap holds nothing else.
  const idleGateway = await memoryPerIdle(server, () => open(url, ['rdd.v1.msgpack'], { Authorization: `Bearer ${token}` }), async () => (await counts()).gateway);
  const idleRaw = await memoryPerIdle(server, () => open(rawUrl, [], {}), async () => (await counts()).raw);
  for (const n of SIZES) out[String(n)] = await run(server, n, ROUNDS[n]!, url, token, rawUrl, counts);
  const writes = await writeAck(url, token);

  await server.call({ cmd: 'close' });

  process.stdout.write(
    `${JSON.stringify({
      bench: 'gateway',
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
      fdLimit: fds,
      write: 'store.patch status (one condition changes) -> change feed -> condition hub -> msgpack fan-out',
      notes:
        'gateway.fanout counts from the committed change reaching the feed; gateway.endToEnd from the start of the write; ' +
        'rawWs sends the identical frame to as many bare ws clients from the same process; rounds alternate gateway/raw',
      target: { ratioEventsPerSec: 0.7 },
      clients: out,
      writeAck: writes,
      idleConnection: { gateway: idleGateway, rawWs: idleRaw, connections: IDLE },
      durationMs: Date.now() - started,
    })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
