// App deletion and ownership (issue 6; the seed review's findings).
import test from 'ava';
import { APP_VM_NAME, errors, findCondition, type App, type Resource } from '../../src/api/index.js';
import type { Store } from '../../src/store/types.js';
import { is, startMemoryCore, type TestCore } from '../helpers/core.js';
import { quiet } from './quiet.js';

const APP = { apiVersion: 'app.rancherdesktop.io/v1alpha1', kind: 'App' } as const;

async function runningApp(tc: TestCore, running = true) {
  const a = await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running } });
  await tc.until('Settled', () => {
    const s = findCondition((tc.core.store.get('App', '', 'app') as App | undefined)?.status?.conditions, 'Settled');
    return s?.status === 'True' && (s.observedGeneration ?? 0) >= a.metadata.generation;
  }, 40_000);
}

async function everythingGone(tc: TestCore) {
  await tc.until('App, VM and ConfigMaps gone', () =>
    !tc.core.store.get('App', '', 'app') && !tc.vm(APP_VM_NAME) &&
    tc.core.store.list('ConfigMap', { namespace: 'default' }).items.length === 0, 60_000);
}

test('out-of-band delete of rd is 403 with the exact message (dry-run too) and leaves it untouched', async (t) => {
  const tc = await startMemoryCore(t);
  await runningApp(tc, false);
  for (const dryRun of [true, false]) {
    const err = await t.throwsAsync(tc.core.api.delete('LimaVM', 'default', APP_VM_NAME, { dryRun }));
    t.is((err as { code?: number }).code, 403);
    t.is(err?.message, 'cannot delete "rd": owned by App; delete the App resource instead');
  }
  t.is(tc.vm(APP_VM_NAME)?.metadata.deletionTimestamp, undefined);
});

test('deleting the App removes the VM, its ConfigMaps and the instance, and leaves no process', async (t) => {
  const tc = await startMemoryCore(t);
  await runningApp(tc);
  await tc.core.api.delete('App', '', 'app');
  await everythingGone(tc);
  t.false(tc.inspect(APP_VM_NAME).dirExists);
  t.deepEqual(tc.calls().filter((l) => l.kind === 'kill'), []);
  t.deepEqual(tc.leftovers(), []);
  t.truthy(tc.core.store.get('Namespace', '', 'default'), 'the App did not create "default", so it stays');
});

test('App deletion with rd already Terminating (guard bypassed) completes: no deadlock', async (t) => {
  const tc = await startMemoryCore(t);
  await runningApp(tc);
  // Bypass admission: mark the VM deleted directly in the store while the App still owns it.
  tc.core.store.delete('LimaVM', 'default', APP_VM_NAME);
  t.truthy(tc.vm(APP_VM_NAME)?.metadata.deletionTimestamp);
  await tc.core.api.delete('App', '', 'app');
  // Without the release the VM would stay Terminating (its own actor never removes owned-by-App).
  await everythingGone(tc);
  t.false(tc.inspect(APP_VM_NAME).dirExists);
  t.deepEqual(tc.leftovers(), []);
});

test('rd made Terminating behind a live App is released, torn down and recreated; stale conditions are not mirrored', async (t) => {
  const tc = await startMemoryCore(t);
  await runningApp(tc);
  const oldUid = tc.vm(APP_VM_NAME)!.metadata.uid;
  // Every App revision written while the old rd is dying and before the new one exists.
  const window: App[] = [];
  let open = true;
  const unsub = tc.core.store.subscribe((ev) => {
    const vm = tc.vm(APP_VM_NAME);
    if (vm && vm.metadata.uid !== oldUid) open = false;
    if (open && ev.object.kind === 'App') window.push(ev.object as App);
  });
  t.teardown(unsub);
  // The App's VM actors, to see the old one stop (it leaked when rd was recreated).
  const spawned = new Set<string>();
  const stopped = new Set<string>();
  t.teardown(tc.core.kernel.inspect((ev) => {
    if (ev.type === 'spawned') spawned.add(ev.path);
    if (ev.type === 'stopped') stopped.add(ev.path);
  }));
  const appUid = tc.core.store.get('App', '', 'app')!.metadata.uid;
  const oldActor = `/user/apps/app-${appUid}/limavm-${oldUid}`;
  tc.core.store.delete('LimaVM', 'default', APP_VM_NAME);
  await tc.until('a new rd runs', () => {
    const vm = tc.vm(APP_VM_NAME);
    return vm !== undefined && vm.metadata.uid !== oldUid && is(tc.cond('LimaVM', APP_VM_NAME, 'Running'), 'True', 'Started');
  }, 60_000);
  t.true(window.length > 0, 'the App reported the dying VM');
  for (const a of window) {
    const conds = a.status?.conditions ?? [];
    t.deepEqual(conds.filter((c) => c.type === 'Created' || c.type === 'Running'), [], 'nothing mirrored from the dying VM');
    t.like(findCondition(conds, 'Settled'), { status: 'False', reason: 'WaitingForLimaVM' });
  }
  t.regex(findCondition(window[0]!.status?.conditions, 'Settled')!.message, /being deleted; it will be recreated/);
  // Then the new VM is mirrored exactly.
  const a = await tc.until('Settled again, mirroring the new rd', () => {
    const x = tc.core.store.get('App', '', 'app') as App;
    return findCondition(x.status?.conditions, 'Settled')?.status === 'True' ? x : undefined;
  });
  const running = findCondition(tc.vm(APP_VM_NAME)!.status?.conditions, 'Running')!;
  const newActor = `/user/apps/app-${appUid}/limavm-${tc.vm(APP_VM_NAME)!.metadata.uid}`;
  await tc.until('the old VM actor stopped', () => stopped.has(oldActor));
  t.deepEqual(tc.core.vms.uids(), [tc.vm(APP_VM_NAME)!.metadata.uid]);
  t.true(spawned.has(newActor) && !stopped.has(newActor));
  t.like(findCondition(a.status?.conditions, 'Running'), { status: 'True', reason: 'Started', lastTransitionTime: running.lastTransitionTime, observedGeneration: a.metadata.generation });
});

test('deleting the App while rd is starting aborts the start and converges', async (t) => {
  // A boot that outlasts the test: only aborting the start lets the teardown run.
  const tc = await startMemoryCore(t, { faults: { default: { bootDelayMs: 600_000 } }, config: { startTimeoutMs: 600_000 } });
  await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: true } });
  await tc.until('booting', () => tc.calls().some((l) => l.kind === 'hostagent' && l.event === 'started'));
  await tc.core.api.delete('App', '', 'app');
  await everythingGone(tc);
  const starts = tc.calls().filter((l) => l.kind === 'call' && l.cmd === 'start');
  t.is(starts.length, 1);
  const start = starts[0]!;
  t.true(start.kind === 'call' && start.signal !== null, 'limactl start was interrupted, not waited out');
  t.deepEqual(tc.leftovers(), []);
});

test('a transient store error while cleaning up the input ConfigMap is retried; nothing is orphaned', async (t) => {
  let failures = 3;
  // Fail reads of the input ConfigMap only on the deletion pass that decides whether it is gone:
  // the App is deleting and its VM is already gone.
  let base: Store | undefined;
  const inDeletionPass = (): boolean =>
    base?.get('App', '', 'app')?.metadata.deletionTimestamp !== undefined && base.get('LimaVM', 'default', APP_VM_NAME) === undefined;
  const wrap = (s: Store): Store => {
    base = s;
    return new Proxy(s, {
      get(target, prop, recv) {
        if (prop === 'get') {
          return (kind: string, ns: string, name: string): Resource | undefined => {
            if (kind === 'ConfigMap' && name === APP_VM_NAME && failures > 0 && inDeletionPass()) {
              failures -= 1;
              throw errors.unavailable('database is locked (injected)');
            }
            return target.get(kind, ns, name);
          };
        }
        const v: unknown = Reflect.get(target, prop, recv);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  };
  const tc = await startMemoryCore(t, { wrapStore: wrap });
  await runningApp(tc, false);
  // Hold the VM's teardown so an input ConfigMap can be left behind (as an interrupted attempt
  // would) while the App is deleting: the App deletes it only after the VM is gone.
  tc.protect(APP_VM_NAME, true);
  await tc.core.api.delete('App', '', 'app');
  await tc.until('VM teardown held', () => is(tc.cond('LimaVM', APP_VM_NAME, 'Deleting'), 'False', 'TeardownFailed'));
  const app = tc.core.store.get('App', '', 'app')!;
  tc.core.store.create({
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: APP_VM_NAME, namespace: 'default', ownerReferences: [{ apiVersion: APP.apiVersion, kind: 'App', name: 'app', uid: app.metadata.uid, controller: true }] },
    data: { template: 'x' },
  });
  // Whether the input ConfigMap still existed when the App went away.
  let cmAtAppRemoval: boolean | undefined;
  // The failure is on the App's status while it is retried, not only in a log line.
  const shown: string[] = [];
  const unsub = tc.core.store.subscribe((ev) => {
    if (ev.type === 'DELETED' && ev.object.kind === 'App') cmAtAppRemoval = base!.get('ConfigMap', 'default', APP_VM_NAME) !== undefined;
    const d = ev.object.kind === 'App' ? findCondition((ev.object as App).status?.conditions, 'Deleting') : undefined;
    if (d?.status === 'False') shown.push(`${d.reason}: ${d.message}`);
  });
  t.teardown(unsub);
  tc.protect(APP_VM_NAME, false);
  await everythingGone(tc);
  t.is(failures, 0, 'the injected errors were hit on the deletion pass');
  t.false(cmAtAppRemoval, 'the App went away only after its input ConfigMap was gone');
  t.true(shown.some((m) => /^ReconcileFailed: .*database is locked \(injected\)/.test(m)), shown.join('\n'));
});

test('a VM teardown that keeps failing raises Deleting=False/ChildTeardownStuck on the App', async (t) => {
  const tc = await startMemoryCore(t, { config: { childTeardownMs: 1_000 } });
  await runningApp(tc, false);
  tc.protect(APP_VM_NAME, true);
  await tc.core.api.delete('App', '', 'app');
  const c = await tc.until('ChildTeardownStuck', () => {
    const x = findCondition((tc.core.store.get('App', '', 'app') as App | undefined)?.status?.conditions, 'Deleting');
    return x?.reason === 'ChildTeardownStuck' ? x : undefined;
  });
  t.regex(c.message, /protected/);
  t.notRegex(c.message, /attempt \d/);
  // Written once: the VM's next failed attempts (each a new VM revision) change nothing on the App.
  const rv = tc.core.store.get('App', '', 'app')!.metadata.resourceVersion;
  const attempt = (): number => Number(/attempt (\d+)/.exec(tc.cond('LimaVM', APP_VM_NAME, 'Deleting')?.message ?? '')?.[1] ?? 0);
  const seen = attempt();
  await tc.until('three more teardown attempts', () => attempt() >= seen + 3);
  t.is(tc.core.store.get('App', '', 'app')!.metadata.resourceVersion, rv);
  tc.protect(APP_VM_NAME, false);
  await everythingGone(tc);
});

test('a namespace the App created is deleted with it; one holding other objects is kept', async (t) => {
  const tc = await startMemoryCore(t);
  let a = await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: false, namespace: 'rd-ns' } });
  await tc.until('VM created in rd-ns', () => is(tc.cond('LimaVM', APP_VM_NAME, 'Created', 'rd-ns'), 'True'));
  t.like(tc.core.store.get('Namespace', '', 'rd-ns')?.metadata.ownerReferences?.[0], { kind: 'App', uid: a.metadata.uid });
  // Deleting the App's namespace directly is refused while the App's VM lives there.
  const err = await t.throwsAsync(tc.core.api.delete('Namespace', '', 'rd-ns'));
  t.regex(err?.message ?? '', /owned by App; delete the App resource instead/);
  await tc.core.api.delete('App', '', 'app');
  await tc.until('namespace gone', () => !tc.core.store.get('Namespace', '', 'rd-ns') && !tc.core.store.get('App', '', 'app'), 60_000);

  a = await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: false, namespace: 'shared' } });
  await tc.until('VM created in shared', () => is(tc.cond('LimaVM', APP_VM_NAME, 'Created', 'shared'), 'True'));
  await tc.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mine', namespace: 'shared' }, data: { k: 'v' } });
  await tc.core.api.delete('App', '', 'app');
  await tc.until('App gone', () => !tc.core.store.get('App', '', 'app'), 60_000);
  // Released, not just left: no owner reference remains for the GC to cascade on.
  t.deepEqual(tc.core.store.get('Namespace', '', 'shared')?.metadata.ownerReferences ?? [], []);
  await quiet(tc);
  t.truthy(tc.core.store.get('Namespace', '', 'shared'));
  t.falsy(tc.core.store.get('Namespace', '', 'shared')?.metadata.deletionTimestamp);
  t.truthy(tc.core.store.get('ConfigMap', 'shared', 'mine'));
});
