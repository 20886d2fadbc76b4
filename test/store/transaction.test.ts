import test from 'ava';
import { cm, fixture, vm } from './helpers.js';

test('events are published only after the outermost commit, in revision order', (t) => {
  const f = fixture(t);
  const seen: number[] = [];
  f.store.transaction(() => {
    f.store.create(cm('a'));
    f.store.transaction(() => {
      f.store.create(cm('b'));
    });
    t.deepEqual(f.events, [], 'nothing published inside the transaction');
    f.store.create(cm('c'));
    seen.push(f.store.currentRevision());
  });
  t.deepEqual(f.events.map((e) => e.revision), [1, 2, 3]);
  t.deepEqual(seen, [3]);
});

test('a throw rolls everything back and publishes nothing', (t) => {
  const f = fixture(t);
  f.store.create(cm('keep'));
  const before = f.counts();
  t.throws(() =>
    f.store.transaction(() => {
      f.store.create(cm('a'));
      f.store.update({ ...f.store.mustGet('ConfigMap', 'default', 'keep'), data: { k: 'changed' } });
      throw new Error('boom');
    }),
  { message: 'boom' });
  t.deepEqual(f.counts(), before);
  t.is(f.store.currentRevision(), 1);
  t.is(f.events.length, 1);
  t.is(f.store.get('ConfigMap', 'default', 'keep')!.data!.k, 'v');
  // The revision a rolled-back write used is handed out again.
  t.is(f.store.create(cm('next')).metadata.resourceVersion, '2');
});

test('a failed nested transaction rolls back only its savepoint and its events', (t) => {
  const f = fixture(t);
  f.store.transaction(() => {
    f.store.create(cm('outer'));
    t.throws(() =>
      f.store.transaction(() => {
        f.store.create(cm('inner'));
        throw new Error('inner fails');
      }),
    );
    f.store.create(cm('after'));
  });
  t.deepEqual(f.store.list('ConfigMap').items.map((o) => o.metadata.name), ['after', 'outer']);
  t.deepEqual(f.events.map((e) => [e.revision, e.object.metadata.name]), [
    [1, 'outer'],
    [2, 'after'],
  ]);
});

test('dryRun runs the writes, returns their results and keeps nothing: no rows, no event, no revision', (t) => {
  const f = fixture(t);
  f.store.create(cm('a'));
  const before = f.counts();
  const out = f.store.dryRun(() => {
    const b = f.store.create(cm('b'));
    f.store.delete('ConfigMap', 'default', 'a');
    t.is(f.store.get('ConfigMap', 'default', 'a'), undefined, 'the dry run sees its own writes');
    return b;
  });
  t.is(out.metadata.name, 'b');
  t.deepEqual(f.counts(), before);
  t.is(f.store.currentRevision(), 1);
  t.is(f.events.length, 1);
  t.truthy(f.store.get('ConfigMap', 'default', 'a'));
  t.is(f.store.create(cm('c')).metadata.resourceVersion, '2', 'no revision was consumed');
});

test('dryRun nested inside a transaction undoes only its own part', (t) => {
  const f = fixture(t);
  f.store.transaction(() => {
    f.store.create(cm('real'));
    f.store.dryRun(() => f.store.create(cm('dry')));
  });
  t.deepEqual(f.store.list('ConfigMap').items.map((o) => o.metadata.name), ['real']);
  t.deepEqual(f.events.map((e) => e.object.metadata.name), ['real']);
  t.is(f.store.currentRevision(), 1);
});

test('an async transaction function is refused and rolled back', (t) => {
  const f = fixture(t);
  t.throws(() => f.store.transaction(async () => f.store.create(cm('a'))), { message: /must be synchronous/ });
  t.is(f.store.currentRevision(), 0);
  t.is(f.store.list('ConfigMap').items.length, 0);
});

test('a listener that writes during delivery does not cause re-entrant or out-of-order delivery', (t) => {
  const f = fixture(t);
  const a: number[] = [];
  const b: number[] = [];
  let depth = 0;
  let maxDepth = 0;
  f.store.subscribe((ev) => {
    depth++;
    maxDepth = Math.max(maxDepth, depth);
    a.push(ev.revision);
    // React to the first event with two more writes.
    if (ev.object.metadata.name === 'first') {
      f.store.create(cm('second'));
      f.store.create(cm('third'));
    }
    depth--;
  });
  f.store.subscribe((ev) => b.push(ev.revision));
  f.store.create(cm('first'));
  t.deepEqual(a, [1, 2, 3]);
  t.deepEqual(b, [1, 2, 3], 'the second listener sees event 1 before 2 and 3');
  t.is(maxDepth, 1, 'no listener call is nested in another');
});

test('a throwing listener is logged and does not affect the others or the write', (t) => {
  const f = fixture(t);
  const got: string[] = [];
  f.store.subscribe(() => {
    throw new Error('bad listener');
  });
  f.store.subscribe((ev) => got.push(ev.object.metadata.name));
  const o = f.store.create(cm('a'));
  f.store.create(cm('b'));
  t.is(o.metadata.resourceVersion, '1');
  t.deepEqual(got, ['a', 'b']);
});

test('unsubscribe stops delivery, also when called during delivery', (t) => {
  const f = fixture(t);
  const got: number[] = [];
  const late: number[] = [];
  const off = f.store.subscribe((ev) => {
    got.push(ev.revision);
    off();
  });
  f.store.subscribe((ev) => late.push(ev.revision));
  f.store.create(cm('a'));
  f.store.create(cm('b'));
  t.deepEqual(got, [1]);
  t.deepEqual(late, [1, 2]);
});

test('a nested write inside a listener-triggered transaction sees committed state', (t) => {
  const f = fixture(t);
  f.store.subscribe((ev) => {
    if (ev.type === 'ADDED' && ev.object.kind === 'LimaVM') {
      f.store.transaction(() => {
        const cur = f.store.mustGet('LimaVM', 'default', 'x');
        f.store.updateStatus({ ...cur, status: { restartCount: 1 } });
      });
    }
  });
  f.store.create(vm('x'));
  t.deepEqual(f.store.mustGet('LimaVM', 'default', 'x').status, { restartCount: 1 });
  t.deepEqual(f.events.map((e) => e.type), ['ADDED', 'MODIFIED']);
});
