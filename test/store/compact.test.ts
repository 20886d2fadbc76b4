import test from 'ava';
import { cm, fixture } from './helpers.js';

test('compaction keeps at least the newest `keep` revisions and every current object', (t) => {
  const f = fixture(t);
  f.store.create(cm('a'));
  for (let i = 0; i < 20; i++) f.store.patch('ConfigMap', 'default', 'a', { data: { k: String(i) } });
  f.store.create(cm('b'));
  const rev = f.store.currentRevision();
  t.is(rev, 22);
  t.is(f.store.compact(5), 17);
  t.is(f.counts().events, 5);
  t.deepEqual(f.store.list('ConfigMap').items.map((o) => o.metadata.name), ['a', 'b']);
  t.is(f.store.currentRevision(), 22, 'the revision does not move');
  t.is(f.store.compact(5), 17, 'compacting again to the same point is a no-op');
  t.is(f.store.compact(100), 17, 'a larger keep never un-compacts');
});

test('compaction of a long history runs in batches and ends at the target', (t) => {
  const f = fixture(t);
  f.store.create(cm('a'));
  f.store.transaction(() => {
    for (let i = 0; i < 2500; i++) f.store.patch('ConfigMap', 'default', 'a', { data: { k: String(i) } });
  });
  t.is(f.store.compact(10), 2491);
  t.is(f.counts().events, 10);
});

test('the compaction point and the revision survive a reopen', (t) => {
  const f = fixture(t);
  for (let i = 0; i < 6; i++) f.store.create(cm(`c${i}`));
  f.store.compact(0);
  const s = f.reopen();
  t.is(s.compactedRevision(), 6);
  t.is(s.currentRevision(), 6, 'the revision counter survives even with every event compacted');
  t.is(s.create(cm('z')).metadata.resourceVersion, '7');
  t.throws(() => s.watch({ kind: 'ConfigMap', resourceVersion: '5' }, () => {}), { message: /too old/ });
});

test('the default keep is 1000 revisions', (t) => {
  const f = fixture(t);
  f.store.create(cm('a'));
  f.store.transaction(() => {
    for (let i = 0; i < 1004; i++) f.store.patch('ConfigMap', 'default', 'a', { data: { k: String(i) } });
  });
  t.is(f.store.compact(), 5);
});

test('automatic compaction runs on its interval', async (t) => {
  const f = fixture(t, { compaction: { keep: 2, intervalMs: 10 } });
  for (let i = 0; i < 8; i++) f.store.create(cm(`c${i}`));
  const deadline = Date.now() + 20_000;
  while (f.store.compactedRevision() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.is(f.store.compactedRevision(), 6);
});
