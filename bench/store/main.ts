// Store benchmark: single-object update commits/s through the Store against a raw
// better-sqlite3 upsert loop with the same pragmas, in the same run, interleaved in short
// rounds so background load hits both alike; and commit→subscriber latency with 100
// subscribers. Prints one JSON object on stdout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { Resource } from '../../src/api/index.js';
import { silentLogger } from '../../src/log.js';
import { openStore, type Store } from '../../src/store/index.js';
import * as sql from '../../src/store/sql.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 300);
const SUBSCRIBERS = 100;
const LATENCY_WRITES = Number(process.env.BENCH_LATENCY_WRITES ?? 5000);

const round = (n: number, d = 4): number => Number(n.toFixed(d));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Sample {
  readonly perSec: number;
  /** CPU time (user + system) per operation, in microseconds. */
  readonly cpuUs: number;
}

/** Runs `step` for about `ms`: operations per wall second and CPU time per operation. */
function measure(step: () => void, ms: number): Sample {
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let k = 0; k < 100; k++, n++) step();
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return { perSec: (n / (now - start)) * 1000, cpuUs: (cpu.user + cpu.system) / n };
}

function vmObject(): Resource {
  return {
    apiVersion: 'lima.rancherdesktop.io/v1alpha1',
    kind: 'LimaVM',
    metadata: { name: 'bench', namespace: 'default' } as Resource['metadata'],
    spec: { templateRef: { name: 'src' }, running: false, params: { A: '0' } },
  };
}

/** One Store.update per step, each its own transaction, with the resourceVersion precondition. */
function storeStep(store: Store): () => void {
  let o = store.create(vmObject());
  let i = 0;
  return () => {
    o = store.update({ ...o, spec: { templateRef: { name: 'src' }, running: false, params: { A: String(i++) } } });
  };
}

/** What a minimal store must do per write: serialize the object and commit one upserted row. */
function rawStep(db: Database.Database): () => void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec('CREATE TABLE objects (kind TEXT, ns TEXT, name TEXT, rv INTEGER, json TEXT, PRIMARY KEY (kind, ns, name)) WITHOUT ROWID');
  const upsert = db.prepare(
    'INSERT INTO objects (kind, ns, name, rv, json) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, ns, name) DO UPDATE SET rv = excluded.rv, json = excluded.json',
  );
  const obj = vmObject();
  let i = 0;
  return () => {
    obj.spec = { templateRef: { name: 'src' }, running: false, params: { A: String(i) } };
    upsert.run('LimaVM', 'default', 'bench', i++, JSON.stringify(obj));
  };
}

/**
 * The store's own SQL for one update (BEGIN, read the row, append the event, update the row,
 * COMMIT) with no JavaScript work around it: the ceiling for the store/raw ratio.
 */
function sqlFloorStep(db: Database.Database): () => void {
  db.pragma(sql.PRAGMA_WAL);
  db.pragma(sql.PRAGMA_SYNCHRONOUS);
  db.pragma(sql.PRAGMA_BUSY_TIMEOUT);
  db.exec(sql.CREATE_SCHEMA);
  const obj = vmObject();
  const json = JSON.stringify(obj);
  db.prepare(sql.INSERT_OBJECT).run('LimaVM', 'default', 'bench', 'uid', 0, json);
  const [begin, commit, select, insert, update] = [sql.BEGIN, sql.COMMIT, sql.SELECT_OBJECT, sql.INSERT_EVENT, sql.UPDATE_OBJECT].map((q) => db.prepare(q));
  return () => {
    begin!.run();
    const row = select!.get('LimaVM', 'default', 'bench') as { rv: number; json: string };
    const rev = Number(insert!.run('MODIFIED', 'LimaVM', 'default', 'bench', json, row.json).lastInsertRowid);
    update!.run(rev, json, 'LimaVM', 'default', 'bench', row.rv);
    commit!.run();
  };
}

function benchUpdates(dir: string) {
  const store = openStore({ path: path.join(dir, 'store.db'), log: silentLogger() });
  const db = new Database(path.join(dir, 'raw.db'));
  const floorDb = new Database(path.join(dir, 'floor.db'));
  try {
    const s = storeStep(store);
    const r = rawStep(db);
    const f = sqlFloorStep(floorDb);
    measure(s, 100); // warm-up
    measure(r, 100);
    measure(f, 100);
    const stores: Sample[] = [];
    const raws: Sample[] = [];
    const floors: Sample[] = [];
    for (let k = 0; k < ROUNDS; k++) {
      raws.push(measure(r, ROUND_MS));
      stores.push(measure(s, ROUND_MS));
      floors.push(measure(f, ROUND_MS));
    }
    const floorPerSec = median(floors.map((x) => x.perSec));
    const floorCpu = median(floors.map((x) => x.cpuUs));
    const storePerSec = median(stores.map((x) => x.perSec));
    const rawPerSec = median(raws.map((x) => x.perSec));
    const storeCpu = median(stores.map((x) => x.cpuUs));
    const rawCpu = median(raws.map((x) => x.cpuUs));
    return {
      rounds: ROUNDS,
      roundMs: ROUND_MS,
      storeCommitsPerSec: Math.round(storePerSec),
      rawUpsertCommitsPerSec: Math.round(rawPerSec),
      ratio: round(storePerSec / rawPerSec, 3),
      storeCpuUsPerCommit: round(storeCpu, 2),
      rawCpuUsPerCommit: round(rawCpu, 2),
      /** The same ratio from CPU time per commit: insensitive to other processes on the machine. */
      cpuRatio: round(rawCpu / storeCpu, 3),
      target: 0.5,
      met: storePerSec / rawPerSec >= 0.5,
      sqlFloor: {
        commitsPerSec: Math.round(floorPerSec),
        cpuUsPerCommit: round(floorCpu, 2),
        ratio: round(floorPerSec / rawPerSec, 3),
        cpuRatio: round(rawCpu / floorCpu, 3),
      },
    };
  } finally {
    store.close();
    db.close();
    floorDb.close();
  }
}

/**
 * Delivery latency. A probe subscriber registered first runs right after COMMIT returns; each
 * of the 100 measured subscribers records its delay from the probe. `withCommit*` measures from
 * the end of the transaction body instead, so it includes the COMMIT itself.
 */
function benchLatency(dir: string) {
  const store = openStore({ path: path.join(dir, 'latency.db'), log: silentLogger() });
  try {
    const step = storeStep(store);
    let bodyEnd = 0;
    let committed = 0;
    let seen = 0;
    const fanout: number[] = [];
    const last: number[] = [];
    const withCommit: number[] = [];
    store.subscribe(() => {
      committed = performance.now();
      withCommit.push(committed - bodyEnd);
    });
    for (let s = 0; s < SUBSCRIBERS; s++) {
      store.subscribe(() => {
        const d = performance.now() - committed;
        fanout.push(d);
        if (++seen === SUBSCRIBERS) last.push(d);
      });
    }
    for (let i = 0; i < LATENCY_WRITES; i++) {
      seen = 0;
      store.transaction(() => {
        step();
        bodyEnd = performance.now();
      });
    }
    const warm = Math.min(500, Math.floor(LATENCY_WRITES / 10));
    const a = fanout.slice(warm * SUBSCRIBERS).sort((x, y) => x - y);
    const l = last.slice(warm).sort((x, y) => x - y);
    const c = withCommit.slice(warm).sort((x, y) => x - y);
    return {
      subscribers: SUBSCRIBERS,
      events: LATENCY_WRITES - warm,
      p50Ms: round(percentile(a, 50)),
      p99Ms: round(percentile(a, 99)),
      maxMs: round(a.at(-1) ?? NaN),
      lastSubscriberP50Ms: round(percentile(l, 50)),
      lastSubscriberP99Ms: round(percentile(l, 99)),
      withCommitP50Ms: round(percentile(c, 50)),
      withCommitP99Ms: round(percentile(c, 99)),
      targetP99Ms: 1,
      met: percentile(a, 99) < 1,
    };
  } finally {
    store.close();
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdd-bench-store-'));
try {
  const updates = benchUpdates(dir);
  const latency = benchLatency(dir);
  const probe = new Database(':memory:');
  const result = {
    bench: 'store',
    node: process.version,
    sqlite: probe.prepare('select sqlite_version()').pluck().get() as string,
    cpus: os.cpus().length,
    loadavg1m: round(os.loadavg()[0] ?? NaN, 2),
    updates,
    latency,
  };
  probe.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
