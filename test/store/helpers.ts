// Test fixtures for the store: a temp-dir SQLite file, a fake clock, deterministic uids, and a
// second read-only connection for counting rows behind the store's back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ExecutionContext } from 'ava';
import type { Resource, ResourceInput } from '../../src/api/index.js';
import { silentLogger } from '../../src/log.js';
import { openStore, type ChangeEvent, type OpenStoreOptions, type Store } from '../../src/store/index.js';

export interface Fixture {
  readonly store: Store;
  readonly file: string;
  readonly clock: { ms: number };
  /** Row counts of the store's tables, read through a separate connection. */
  counts(): { objects: number; events: number; owners: number };
  /** Every ChangeEvent published since the fixture opened. */
  readonly events: ChangeEvent[];
  reopen(opts?: Partial<OpenStoreOptions>): Store;
}

export function tempDir(t: ExecutionContext, prefix = 'rdd-store-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function fixture(t: ExecutionContext, opts: Partial<OpenStoreOptions> = {}): Fixture {
  const dir = tempDir(t);
  process.env.RDD_HOME = dir;
  const file = path.join(dir, 'state.db');
  const clock = { ms: Date.UTC(2026, 0, 2, 3, 4, 5, 678) };
  let n = 0;
  const base: OpenStoreOptions = {
    path: file,
    log: silentLogger(),
    now: () => clock.ms,
    uid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    ...opts,
  };
  let store = openStore(base);
  const events: ChangeEvent[] = [];
  store.subscribe((e) => events.push(e));
  let reader: Database.Database | undefined;
  t.teardown(() => {
    reader?.close();
    store.close();
  });
  return {
    get store() {
      return store;
    },
    file,
    clock,
    events,
    counts() {
      reader ??= new Database(file, { readonly: true });
      const c = (table: string): number => (reader!.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number);
      return { objects: c('objects'), events: c('events'), owners: c('owners') };
    },
    reopen(more = {}) {
      store.close();
      store = openStore({ ...base, ...more });
      return store;
    },
  };
}

export function ns(name: string): ResourceInput {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function cm(name: string, extra: Partial<ResourceInput> & { namespace?: string; labels?: Record<string, string>; finalizers?: string[] } = {}): ResourceInput {
  const { namespace = 'default', labels, finalizers, ...rest } = extra;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, ...(labels ? { labels } : {}), ...(finalizers ? { finalizers } : {}) },
    data: { k: 'v' },
    ...rest,
  };
}

export function vm(name: string, namespace = 'default', spec: Record<string, unknown> = {}): ResourceInput {
  return {
    apiVersion: 'lima.rancherdesktop.io/v1alpha1',
    kind: 'LimaVM',
    metadata: { name, namespace },
    spec: { templateRef: { name: 'src' }, running: false, ...spec },
  };
}

export function rv(o: Resource): number {
  return Number(o.metadata.resourceVersion);
}
