// Property: whatever the interleaving of writes, compactions and watch starts, every watcher
// receives exactly the events after its start revision (or the state at its start, then those),
// filtered by its selector with Kubernetes transition rules, in strictly increasing revision
// order: no gap, no duplicate. The oracle is computed from the committed change feed.
import test from 'ava';
import fc from 'fast-check';
import { isApiError, type Resource } from '../../src/api/index.js';
import { silentLogger } from '../../src/log.js';
import { openStore, parseSelector, type ChangeEvent, type Store, type WatchEvent } from '../../src/store/index.js';

type Cmd =
  | { op: 'create'; name: string; ns: string; label: string | null; fin: boolean }
  | { op: 'data'; name: string; ns: string; value: string }
  | { op: 'label'; name: string; ns: string; label: string | null }
  | { op: 'delete'; name: string; ns: string }
  | { op: 'unfinalize'; name: string; ns: string }
  | { op: 'other' }
  | { op: 'compact'; keep: number }
  | { op: 'watch'; from: number | null; selector: string; ns: string | null; bookmarks: boolean; inListener: boolean };

const name = fc.constantFrom('a', 'b', 'c');
const ns = fc.constantFrom('one', 'two');
const label = fc.option(fc.constantFrom('web', 'db'));
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), name, ns, label, fin: fc.boolean() }),
  fc.record({ op: fc.constant('data' as const), name, ns, value: fc.constantFrom('1', '2', '3') }),
  fc.record({ op: fc.constant('label' as const), name, ns, label }),
  fc.record({ op: fc.constant('delete' as const), name, ns }),
  fc.record({ op: fc.constant('unfinalize' as const), name, ns }),
  fc.record({ op: fc.constant('other' as const) }),
  fc.record({ op: fc.constant('compact' as const), keep: fc.integer({ min: 0, max: 6 }) }),
  fc.record({
    op: fc.constant('watch' as const),
    from: fc.option(fc.integer({ min: 0, max: 60 })),
    selector: fc.constantFrom('', 'app=web', 'app!=web', 'app', '!app', 'app in (web,db)'),
    ns: fc.option(ns),
    bookmarks: fc.boolean(),
    // Start the watch from inside a feed listener while committed events are still queued.
    inListener: fc.boolean(),
  }),
);

interface Watcher {
  readonly cmd: Extract<Cmd, { op: 'watch' }>;
  readonly start: number;
  /** The current revision when the watch started: where the initial-events BOOKMARK points. */
  readonly current: number;
  readonly initial: Resource[];
  readonly got: WatchEvent[];
}

function apply(store: Store, c: Cmd, others: { n: number }): void {
  const swallow = (fn: () => unknown): void => {
    try {
      fn();
    } catch (e) {
      if (!isApiError(e) || ![404, 409, 422].includes(e.code)) throw e;
    }
  };
  switch (c.op) {
    case 'create':
      return swallow(() =>
        store.create({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: c.name, namespace: c.ns, ...(c.label ? { labels: { app: c.label } } : {}), ...(c.fin ? { finalizers: ['t.io/f'] } : {}) },
          data: { k: '0' },
        }),
      );
    case 'data':
      return swallow(() => store.patch('ConfigMap', c.ns, c.name, { data: { k: c.value } }));
    case 'label':
      return swallow(() => store.patch('ConfigMap', c.ns, c.name, { metadata: { labels: { app: c.label } } }));
    case 'delete':
      return swallow(() => store.delete('ConfigMap', c.ns, c.name));
    case 'unfinalize':
      return swallow(() => store.patch('ConfigMap', c.ns, c.name, { metadata: { finalizers: null } }));
    case 'other':
      store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `n${others.n++}` } });
      return;
    case 'compact':
      store.compact(c.keep);
      return;
    case 'watch':
      return;
  }
}

/** What a watcher should have received, from the committed history. */
function expected(w: Watcher, history: readonly ChangeEvent[]): string[] {
  const sel = parseSelector(w.cmd.selector);
  const inNs = (o: Resource) => w.cmd.ns === null || o.metadata.namespace === w.cmd.ns;
  const m = (o: Resource | undefined) => o !== undefined && sel.matches(o.metadata.labels);
  const out = w.initial.map((o) => `ADDED ${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`);
  let marked = false;
  const mark = () => {
    if (w.cmd.bookmarks && !marked) out.push(`BOOKMARK @${w.current}`);
    marked = true;
  };
  for (const e of history) {
    // Replayed events (up to the revision current at the start) come before the bookmark.
    if (e.revision > w.current) mark();
    if (e.revision <= w.start || e.object.kind !== 'ConfigMap' || !inNs(e.object)) continue;
    const id = `${e.object.metadata.namespace}/${e.object.metadata.name}@${e.revision}`;
    if (e.type === 'DELETED') {
      if (m(e.object)) out.push(`DELETED ${id}`);
    } else if (m(e.object)) out.push(`${m(e.oldObject) ? e.type : 'ADDED'} ${id}`);
    else if (m(e.oldObject)) out.push(`DELETED ${id}`);
  }
  mark();
  return out;
}

test('watchers started at random revisions receive exactly the events after their revision, in order', (t) => {
  const run = fc.check(
    fc.property(fc.array(cmd, { minLength: 1, maxLength: 60 }), (cmds) => {
      const store = openStore({ path: ':memory:', log: silentLogger() });
      try {
        const history: ChangeEvent[] = [];
        store.subscribe((e) => history.push(e));
        const watchers: Watcher[] = [];
        const others = { n: 0 };
        let ok = true;
        const startWatch = (c: Extract<Cmd, { op: 'watch' }>): void => {
          const current = store.currentRevision();
          const from = c.from === null ? null : Math.min(c.from, current);
          const opts = {
            kind: 'ConfigMap',
            labelSelector: c.selector,
            ...(c.ns ? { namespace: c.ns } : {}),
            ...(from === null ? {} : { resourceVersion: String(from) }),
            bookmarks: c.bookmarks,
          };
          const initial = from === null || from === 0 ? store.list('ConfigMap', opts).items : [];
          const got: WatchEvent[] = [];
          if (from !== null && from !== 0 && from < store.compactedRevision()) {
            try {
              store.watch(opts, (ev) => got.push(ev));
              ok = false;
            } catch (e) {
              if (!isApiError(e) || e.code !== 410) ok = false;
            }
            return;
          }
          store.watch(opts, (ev) => got.push(ev));
          watchers.push({ cmd: { ...c, from }, start: from === null || from === 0 ? current : from, current, initial, got });
        };
        let deferred: Extract<Cmd, { op: 'watch' }> | undefined;
        store.subscribe(() => {
          const c = deferred;
          if (!c) return;
          deferred = undefined;
          // This write commits now but is delivered only after the current event.
          store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `q${others.n++}`, namespace: 'one' }, data: { k: 'q' } });
          startWatch(c);
        });
        for (const c of cmds) {
          if (c.op !== 'watch') apply(store, c, others);
          else if (!c.inListener) startWatch(c);
          else {
            deferred = c;
            apply(store, { op: 'other' }, others);
          }
        }
        if (!ok) return false;
        for (const w of watchers) {
          const actual = w.got.map((e) =>
            e.type === 'BOOKMARK'
              ? `BOOKMARK @${e.object.metadata.resourceVersion}`
              : `${e.type} ${e.object.metadata.namespace}/${e.object.metadata.name}@${e.object.metadata.resourceVersion}`,
          );
          const want = expected(w, history);
          if (JSON.stringify(actual) !== JSON.stringify(want)) {
            t.log({ watcher: w.cmd, start: w.start, actual, want });
            return false;
          }
          const revs = w.got.filter((e) => e.type !== 'BOOKMARK').slice(w.initial.length).map((e) => Number(e.object.metadata.resourceVersion));
          if (!revs.every((r, i) => i === 0 || r > revs[i - 1]!)) return false;
        }
        return true;
      } finally {
        store.close();
      }
    }),
    { numRuns: 500 },
  );
  t.false(run.failed, fc.defaultReportMessage(run) ?? '');
  t.is(run.numRuns, 500, 'every run checked, none skipped');
});
