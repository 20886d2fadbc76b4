// LimaVM deletion paths and the ownership guards (issue 5).
import test from 'ava';
import { is, limaVM, startMemoryCore, templateConfigMap, type TestCore } from '../helpers/core.js';

/** An instance created with limactl behind the daemon's back: no owner marker. */
async function foreignInstance(tc: TestCore, name: string): Promise<void> {
  await tc.foreignInstance(name, 'images:\n  - location: /etc/profile\n');
}

async function gone(tc: TestCore, name = 'vm1') {
  await tc.until(`${name} gone`, () => tc.vm(name) === undefined && tc.core.store.get('ConfigMap', 'default', `${name}-template`) === undefined, 40_000);
}

test('deleting a running VM stops it gracefully, deletes the instance and its ConfigMap', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: true }));
  await tc.until('Started', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  await tc.core.api.delete('LimaVM', 'default', 'vm1');
  await gone(tc);
  t.false(tc.inspect('vm1').dirExists);
  t.deepEqual(tc.calls().filter((l) => l.kind === 'kill'), []);
  t.true(tc.calls().some((l) => l.kind === 'hostagent' && l.event === 'signal' && l.signal === 'SIGINT'));
  t.deepEqual(tc.leftovers(), []);
  t.truthy(tc.core.store.get('ConfigMap', 'default', 'src'), 'the source ConfigMap is not owned and stays');
});

test('deleting with gracePeriodSeconds 0 forces the stop', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: true }));
  await tc.until('Started', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  await tc.core.api.delete('LimaVM', 'default', 'vm1', { gracePeriodSeconds: 0 });
  await gone(tc);
  t.true(tc.calls().some((l) => l.kind === 'kill'));
});

test('deleting a VM while it starts aborts the start and tears it down', async (t) => {
  const tc = await startMemoryCore(t, { faults: { default: { bootDelayMs: 5000 } } });
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: true }));
  await tc.until('booting', () => tc.calls().some((l) => l.kind === 'hostagent' && l.event === 'started'));
  await tc.core.api.delete('LimaVM', 'default', 'vm1');
  await gone(tc);
  t.false(tc.inspect('vm1').dirExists);
  t.deepEqual(tc.leftovers(), []);
});

test('deleting a stopped VM, and one whose instance is already gone from disk', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1'));
  await tc.create(limaVM('vm2'));
  await tc.until('both Stopped', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'False', 'Stopped') && is(tc.cond('LimaVM', 'vm2', 'Running'), 'False', 'Stopped'));
  await tc.core.api.delete('LimaVM', 'default', 'vm1');
  tc.removeInstanceDir('vm2');
  await tc.core.api.delete('LimaVM', 'default', 'vm2');
  await gone(tc, 'vm1');
  await gone(tc, 'vm2');
  t.false(tc.inspect('vm1').dirExists);
  // An instance already gone from disk is skipped, not deleted again.
  t.deepEqual(tc.calls().flatMap((l) => (l.kind === 'call' && l.cmd === 'delete' ? [l.instance] : [])), ['vm1']);
  t.deepEqual(tc.core.store.list('ConfigMap', { namespace: 'default' }).items.map((c) => c.metadata.name), ['src'], 'both templates deleted');
});

test('a failing teardown is visible as Deleting=False/TeardownFailed and retried', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1'));
  await tc.until('Stopped', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'False', 'Stopped'));
  // A `protected` instance cannot be deleted by limactl until it is unprotected.
  tc.protect('vm1', true);
  await tc.core.api.delete('LimaVM', 'default', 'vm1');
  const c = await tc.untilCond('LimaVM', 'vm1', 'Deleting', 'False', 'TeardownFailed');
  t.regex(c.message, /protected/);
  tc.protect('vm1', false);
  await gone(tc);
});

test('a foreign instance with the same name is never deleted', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src'));
  await foreignInstance(tc, 'vm1');
  await tc.create(limaVM('vm1'));
  const c = await tc.untilCond('LimaVM', 'vm1', 'Created', 'False', 'InstanceExists');
  t.regex(c.message, /was not created by this LimaVM/);
  await tc.core.api.delete('LimaVM', 'default', 'vm1');
  await gone(tc);
  t.true(tc.inspect('vm1').exists, 'the foreign instance survives');
  t.false(tc.calls().some((l) => l.kind === 'call' && l.cmd === 'delete'));
});

test('the adopt annotation takes over a foreign instance', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src'));
  await foreignInstance(tc, 'vm1');
  await tc.create(limaVM('vm1', { running: true, annotations: { 'lima.rancherdesktop.io/adopt': 'true' } }));
  await tc.until('adopted and started', () => is(tc.cond('LimaVM', 'vm1', 'Created'), 'True') && is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'), 40_000);
  t.is(tc.cond('LimaVM', 'vm1', 'Created')?.message, 'Lima instance adopted');
});

test('direct DELETE of an owned template ConfigMap is 403 (dry-run too); removing its label is rejected', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1'));
  await tc.until('Created', () => is(tc.cond('LimaVM', 'vm1', 'Created'), 'True'));
  for (const dryRun of [true, false]) {
    const err = await t.throwsAsync(tc.core.api.delete('ConfigMap', 'default', 'vm1-template', { dryRun }));
    t.is((err as { code?: number }).code, 403);
    t.is(err?.message, 'cannot delete "vm1-template": owned by LimaVM; delete the LimaVM resource instead');
  }
  t.falsy(tc.core.store.get('ConfigMap', 'default', 'vm1-template')?.metadata.deletionTimestamp);
  const err = await t.throwsAsync(tc.core.api.patch('ConfigMap', 'default', 'vm1-template', { metadata: { labels: { 'lima.rancherdesktop.io/template-configmap': null } } }));
  t.is(err?.message, 'cannot remove lima.rancherdesktop.io/template-configmap label: resource is owned');
});

test('two concurrent creates of the same VM name in different namespaces: exactly one wins', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
  await tc.create(templateConfigMap('src'));
  await tc.create(templateConfigMap('src', undefined, 'other'));
  const results = await Promise.allSettled([tc.create(limaVM('dup')), tc.create(limaVM('dup', { ns: 'other' }))]);
  t.is(results.filter((r) => r.status === 'fulfilled').length, 1);
  const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  t.regex(String(rejected.reason.message), /LimaVM names must be unique across all namespaces/);
});
