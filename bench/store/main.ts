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
import * as codec from '../../src/store/codec.js';
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

/**
 * The JSON the store writes for the benchmark's object: with the server-owned metadata (uid,
 * generation, creationTimestamp), about twice the bytes of vmObject() alone. The SQL floor writes
 * these bytes, so it prices the store's own rows (row size decides how fast event pages fill).
 */
function storedJson(): string {
  const o = vmObject();
  const meta = { ...o.metadata, uid: '00000000-0000-4000-8000-000000000000', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' };
  return JSON.stringify({ ...o, metadata: meta });
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
  const json = storedJson();
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

interface FloorVariant {
  /** Skip the SELECT of the current row (what an in-memory row cache would save). */
  readonly noSelect?: boolean;
  /** Write no prev_json (what an event log without the old object would save). */
  readonly noPrev?: boolean;
  /** Bind the revision from JavaScript instead of the two MAX subqueries. */
  readonly jsRev?: boolean;
}

/** The store's SQL with parts left out: which part of the SQL floor costs what. */
function sqlVariantStep(db: Database.Database, v: FloorVariant): () => void {
  db.pragma(sql.PRAGMA_WAL);
  db.pragma(sql.PRAGMA_SYNCHRONOUS);
  db.pragma(sql.PRAGMA_BUSY_TIMEOUT);
  db.exec(sql.CREATE_SCHEMA);
  const json = storedJson();
  db.prepare(sql.INSERT_OBJECT).run('LimaVM', 'default', 'bench', 'uid', 0, json);
  const insertJs = 'INSERT INTO events (rev, type, kind, ns, name, json, prev_json) VALUES (?, ?, ?, ?, ?, ?, ?)';
  const [begin, commit, select, insert, update] = [sql.BEGIN, sql.COMMIT, sql.SELECT_OBJECT, v.jsRev ? insertJs : sql.INSERT_EVENT, sql.UPDATE_OBJECT].map((q) => db.prepare(q));
  let rv = 0;
  return () => {
    begin!.run();
    let prev = json;
    if (!v.noSelect) {
      const row = select!.get('LimaVM', 'default', 'bench') as { rv: number; json: string };
      rv = row.rv;
      prev = row.json;
    }
    const p = v.noPrev ? null : prev;
    const rev = v.jsRev ? (insert!.run(rv + 1, 'MODIFIED', 'LimaVM', 'default', 'bench', json, p), rv + 1) : Number(insert!.run('MODIFIED', 'LimaVM', 'default', 'bench', json, p).lastInsertRowid);
    update!.run(rev, json, 'LimaVM', 'default', 'bench', rv);
    rv = rev;
    commit!.run();
  };
}

/**
 * The JavaScript steps of one update on the benchmark's object, each alone (CPU µs per call):
 * where the time above the SQL goes.
 */
function jsBreakdown(store: Store): Record<string, number> {
  const o = store.create({ ...vmObject(), metadata: { name: 'parts', namespace: 'default' } as Resource['metadata'] });
  const json = JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  const doc = codec.parseDoc(json);
  const steps: Record<string, () => unknown> = {
    parseOldRow: () => codec.parseDoc(json),
    canonicalize: () => codec.canonicalDoc(doc.apiVersion, doc.kind, doc.metadata, codec.contentOf(o), undefined),
    compareContent: () => codec.sameJson(doc.spec, o.spec),
    encode: () => codec.encode(doc),
    copyForCaller: () => codec.decode(json, 1),
  };
  const out: Record<string, number> = {};
  for (const [name, step] of Object.entries(steps)) {
    const samples: number[] = [];
    for (let r = 0; r < 5; r++) samples.push(measure(step, 50).cpuUs);
    out[name] = round(median(samples), 3);
  }
  return out;
}

function benchUpdates(dir: string) {
  const store = openStore({ path: path.join(dir, 'store.db'), log: silentLogger() });
  const db = new Database(path.join(dir, 'raw.db'));
  const floorDb = new Database(path.join(dir, 'floor.db'));
  const variants: Record<string, FloorVariant> = {
    withoutSelect: { noSelect: true },
    withoutPrevJson: { noPrev: true },
    jsRevision: { jsRev: true },
    allThree: { noSelect: true, noPrev: true, jsRev: true },
  };
  const variantDbs = Object.keys(variants).map((k) => new Database(path.join(dir, `floor-${k}.db`)));
  try {
    const s = storeStep(store);
    const r = rawStep(db);
    const f = sqlFloorStep(floorDb);
    const vs = Object.values(variants).map((v, i) => sqlVariantStep(variantDbs[i]!, v));
    measure(s, 100); // warm-up
    measure(r, 100);
    measure(f, 100);
    for (const v of vs) measure(v, 50);
    const stores: Sample[] = [];
    const raws: Sample[] = [];
    const floors: Sample[] = [];
    const variantSamples: Sample[][] = vs.map(() => []);
    for (let k = 0; k < ROUNDS; k++) {
      raws.push(measure(r, ROUND_MS));
      stores.push(measure(s, ROUND_MS));
      floors.push(measure(f, ROUND_MS));
      vs.forEach((v, i) => variantSamples[i]!.push(measure(v, ROUND_MS / 3)));
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
        /** The SQL floor with parts left out, CPU µs per commit and CPU ratio to raw. */
        parts: Object.fromEntries(
          Object.keys(variants).map((k, i) => {
            const cpu = median(variantSamples[i]!.map((x) => x.cpuUs));
            return [k, { cpuUsPerCommit: round(cpu, 2), cpuRatio: round(rawCpu / cpu, 3) }];
          }),
        ),
      },
      /** CPU µs per call of each JavaScript step of an update, alone. */
      jsSteps: jsBreakdown(store),
    };
  } finally {
    store.close();
    db.close();
    floorDb.close();
    for (const d of variantDbs) d.close();
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
