// Kubernetes API bench beside the WebSocket gateway, in the same run against the same store:
// list latency (200 ConfigMaps), and watch fan-out to 100 watchers (latency and events/s from
// the committed write to every watcher having the event). Rounds alternate between the two front
// doors so both see the same machine noise. Prints one JSON object.
import { fork } from 'node:child_process';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, type RawData } from 'ws';
import type { Command, InitReply } from './server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WATCHERS = 100;
const WATCH_ROUNDS = 100;
const LISTS = 200;
const WARMUP = 10;
const now = (): number => performance.timeOrigin + performance.now();

class Server {
  private queue: ((m: unknown) => void)[] = [];
  private constructor(readonly child: ReturnType<typeof fork>) {
    child.on('message', (m) => this.queue.shift()?.(m));
  }
  static async start(): Promise<Server> {
    const child = fork(path.join(here, 'server.js'), [], { stdio: ['ignore', 2, 2, 'ipc'] });
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

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN) * 1000) / 1000;
};

/** One receiver: the time it got each round. */
interface Watcher {
  readonly got: Map<number, number>;
  close(): void;
}

function kubeRequest(init: InitReply, agent: https.Agent, urlPath: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${init.kubeUrl}${urlPath}`, { agent, headers: { Authorization: `Bearer ${init.token}` } }, resolve);
    req.on('error', reject);
    req.end();
  });
}

async function kubeWatcher(init: InitReply, agent: https.Agent): Promise<Watcher> {
  const res = await kubeRequest(init, agent, '/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=metadata.name%3Dhot-kube');
  const got = new Map<number, number>();
  let buf = '';
  res.on('data', (c: Buffer) => {
    const at = now();
    buf += c.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const ev = JSON.parse(buf.slice(0, nl)) as { type: string; object: { data?: { round?: string } } };
      buf = buf.slice(nl + 1);
      if (ev.type === 'MODIFIED') got.set(Number(ev.object.data?.round), at);
    }
  });
  return { got, close: () => res.destroy() };
}

async function gatewayWatcher(init: InitReply): Promise<Watcher> {
  const ws = new WebSocket(init.gatewayUrl, ['rdd.v1.json'], { headers: { Authorization: `Bearer ${init.token}` }, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const got = new Map<number, number>();
  let started!: () => void;
  const ready = new Promise<void>((r) => (started = r));
  ws.on('message', (data: RawData) => {
    const at = now();
    const m = JSON.parse((data as Buffer).toString('utf8')) as { ok?: boolean; type?: string; object?: { data?: { round?: string } } };
    if (m.ok) started();
    if (m.type === 'MODIFIED') got.set(Number(m.object?.data?.round), at);
  });
  ws.send(JSON.stringify({ id: 1, op: 'watch', kind: 'ConfigMap', namespace: 'default', name: 'hot-gateway' }));
  await ready;
  return { got, close: () => ws.close() };
}

async function allGot(ws: Watcher[], round: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  while (!ws.every((w) => w.got.has(round))) {
    if (Date.now() > deadline) throw new Error(`round ${round}: only ${ws.filter((w) => w.got.has(round)).length}/${ws.length} watchers got it`);
    await new Promise((r) => setImmediate(r));
  }
  return Math.max(...ws.map((w) => w.got.get(round)!));
}

interface Side {
  latency: number[];
  span: number[];
}

function summary(s: Side) {
  const total = s.span.reduce((a, b) => a + b, 0);
  return {
    p50Ms: pct(s.latency, 50),
    p99Ms: pct(s.latency, 99),
    fanoutMs: { p50: pct(s.span, 50), p99: pct(s.span, 99) },
    eventsPerSec: Math.round(WATCHERS / (pct(s.span, 50) / 1000)),
    meanEventsPerSec: Math.round((WATCHERS * s.span.length) / (total / 1000)),
    rounds: s.span.length,
  };
}

async function listBench(init: InitReply) {
  const agent = new https.Agent({ ca: init.caPem, keepAlive: true, maxSockets: 1 });
  const ws = new WebSocket(init.gatewayUrl, ['rdd.v1.json'], { headers: { Authorization: `Bearer ${init.token}` }, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let pending: ((n: number) => void) | undefined;
  ws.on('message', (data: RawData) => {
    const m = JSON.parse((data as Buffer).toString('utf8')) as { result?: { items?: unknown[] } };
    pending?.(m.result?.items?.length ?? -1);
  });
  const kube: number[] = [];
  const gateway: number[] = [];
  for (let i = 0; i < WARMUP + LISTS; i++) {
    let t0 = now();
    const res = await kubeRequest(init, agent, '/api/v1/namespaces/default/configmaps?labelSelector=bench%3Dlist');
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const items = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items: unknown[] }).items.length;
    if (items !== init.objects) throw new Error(`kube list returned ${items} items`);
    if (i >= WARMUP) kube.push(now() - t0);
    t0 = now();
    const n = await new Promise<number>((resolve) => {
      pending = resolve;
      ws.send(JSON.stringify({ id: i, op: 'list', kind: 'ConfigMap', namespace: 'default', labelSelector: 'bench=list' }));
    });
    if (n !== init.objects) throw new Error(`gateway list returned ${n} items`);
    if (i >= WARMUP) gateway.push(now() - t0);
  }
  ws.close();
  agent.destroy();
  const s = (xs: number[]) => ({ p50Ms: pct(xs, 50), p99Ms: pct(xs, 99) });
  return { objects: init.objects, lists: LISTS, kubeApi: s(kube), gateway: s(gateway), ratioP50: Math.round((pct(kube, 50) / pct(gateway, 50)) * 100) / 100 };
}

async function watchBench(server: Server, init: InitReply) {
  const agent = new https.Agent({ ca: init.caPem, keepAlive: true, maxSockets: Infinity });
  const kube: Watcher[] = [];
  const gateway: Watcher[] = [];
  for (let i = 0; i < WATCHERS; i++) {
    kube.push(await kubeWatcher(init, agent));
    gateway.push(await gatewayWatcher(init));
  }
  const sides: Record<'kube' | 'gateway', Side> = { kube: { latency: [], span: [] }, gateway: { latency: [], span: [] } };
  for (let round = 1; round <= WARMUP + WATCH_ROUNDS; round++) {
    // Alternate which front door goes first in a round.
    const order: Array<'kube' | 'gateway'> = round % 2 === 0 ? ['kube', 'gateway'] : ['gateway', 'kube'];
    for (const side of order) {
      const ws = side === 'kube' ? kube : gateway;
      const { t0 } = await server.call<{ t0: number }>({ cmd: 'write', name: side === 'kube' ? 'hot-kube' : 'hot-gateway', round });
      const last = await allGot(ws, round);
      if (round > WARMUP) {
        for (const w of ws) sides[side].latency.push(w.got.get(round)! - t0);
        sides[side].span.push(last - t0);
      }
    }
  }
  for (const w of [...kube, ...gateway]) w.close();
  agent.destroy();
  const k = summary(sides.kube);
  const g = summary(sides.gateway);
  return { watchers: WATCHERS, kubeApi: k, gateway: g, ratioEventsPerSec: Math.round((k.eventsPerSec / g.eventsPerSec) * 100) / 100 };
}

const server = await Server.start();
const init = await server.call<InitReply>({ cmd: 'init' });
const list = await listBench(init);
const watch = await watchBench(server, init);
server.child.send({ cmd: 'close' } satisfies Command);
process.stdout.write(`${JSON.stringify({ list, watch })}\n`);
