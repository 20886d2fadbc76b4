// Orphans (issue 11, item 2): a VM whose App is gone is handed to the standalone supervisor and
// finishes its deletion; the GC sweeps at startup and retries a failed write. Each test ends by
// waiting for the kernel to be quiescent, then checks that the work was done: with the fix removed
// nothing is left to do, the wait ends early, and the checks fail.
import test from 'ava';
import { APP_VM_NAME, clone, errors, findCondition, type App, type Resource } from '../../src/api/index.js';
import { silentLogger } from '../../src/log.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { startMemoryCore, type TestCore } from '../helpers/core.js';

const APP = { apiVersion: 'app.rancherdesktop.io/v1alpha1', kind: 'App' } as const;
/** Long enough to cover every requeue and backoff of the fast test config (no timer beyond it is work). */
const QUIET_MS = 60_000;

async function settledApp(tc: TestCore): Promise<App> {
  const a = await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: false } });
  await tc.until('Settled', () => {
    const s = findCondition((tc.core.store.get('App', '', 'app') as App | undefined)?.status?.conditions, 'Settled');
    return s?.status === 'True' && (s.observedGeneration ?? 0) >= a.metadata.generation;
  }, 40_000);
  await tc.until('VM created', () => tc.cond('LimaVM', APP_VM_NAME, 'Created')?.status === 'True');
  return tc.core.store.get('App', '', 'app') as App;
}

/** What a finished deletion leaves: no VM object, no ConfigMap, no instance directory, no process, no VM actor. */
function assertVmGone(t: import('ava').ExecutionContext, tc: TestCore): void {
  t.is(tc.vm(APP_VM_NAME), undefined, 'the LimaVM object is gone');
  t.deepEqual(tc.core.store.list('ConfigMap', { namespace: 'default' }).items.map((c) => c.metadata.name), []);
  t.false(tc.inspect(APP_VM_NAME).dirExists, 'the Lima instance is gone from disk');
  t.deepEqual(tc.core.vms.uids(), []);
  t.deepEqual(tc.leftovers(), []);
}

test('a VM whose App is removed while its teardown is stuck is handed over and finishes its deletion', async (t) => {
  const tc = await startMemoryCore(t, { config: { childTeardownMs: 1_000 } });
  await settledApp(tc);
  tc.protect(APP_VM_NAME, true); // `limactl delete` fails while the instance is protected
  await tc.core.api.delete('App', '', 'app');
  await tc.until('ChildTeardownStuck', () => {
    const x = findCondition((tc.core.store.get('App', '', 'app') as App | undefined)?.status?.conditions, 'Deleting');
    return x?.reason === 'ChildTeardownStuck';
  });
  // The user gives up on the App: its finalizers are stripped and it disappears.
  const app = clone(tc.core.store.get('App', '', 'app')!);
  app.metadata.finalizers = [];
  await tc.core.api.update(app);
  t.is(tc.core.store.get('App', '', 'app'), undefined);
  t.truthy(tc.vm(APP_VM_NAME)?.metadata.deletionTimestamp, 'the VM is Terminating, its App gone');
  tc.protect(APP_VM_NAME, false);
  await tc.quiet(QUIET_MS);
  assertVmGone(t, tc);
});

test('an App removed while the daemon was down: at startup its VM is collected and torn down', async (t) => {
  const tc = await startMemoryCore(t);
  await settledApp(tc);
  await tc.drive(tc.core.close());
  // Behind the daemon's back (an old daemon, a crash mid-deletion): the App row is gone, its VM is not.
  const store = openStore({ path: tc.paths.store, log: silentLogger() });
  const app = clone(store.get('App', '', 'app')!);
  app.metadata.finalizers = [];
  store.update(app);
  store.delete('App', '', 'app');
  t.is(store.get('App', '', 'app'), undefined);
  t.truthy(store.get('LimaVM', 'default', APP_VM_NAME));
  store.close();
  t.true(tc.inspect(APP_VM_NAME).dirExists);

  await tc.restart();
  await tc.quiet(QUIET_MS);
  assertVmGone(t, tc);
});

test('a failed GC write is retried with backoff, not dropped', async (t) => {
  let armed = false;
  let failures = 2;
  const wrap = (s: Store): Store =>
    new Proxy(s, {
      get(target, prop, recv) {
        if (prop === 'delete') {
          return (kind: string, ns: string, name: string, ...rest: unknown[]) => {
            if (armed && kind === 'ConfigMap' && name === 'child' && failures > 0) {
              failures -= 1;
              throw errors.unavailable('database is locked (injected)');
            }
            return (target.delete as (...a: unknown[]) => unknown)(kind, ns, name, ...rest);
          };
        }
        const v: unknown = Reflect.get(target, prop, recv);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  const tc = await startMemoryCore(t, { wrapStore: wrap });
  const parent = await tc.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'parent', namespace: 'default' }, data: {} });
  const owner = { apiVersion: 'v1', kind: 'ConfigMap', name: 'parent', uid: parent.metadata.uid };
  await tc.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'child', namespace: 'default', ownerReferences: [owner] }, data: {} });
  await tc.quiet();
  armed = true;
  await tc.core.api.delete('ConfigMap', 'default', 'parent');
  await tc.quiet(QUIET_MS);
  t.is(failures, 0, 'both injected failures were hit');
  t.is(tc.core.store.get('ConfigMap', 'default', 'child') as Resource | undefined, undefined, 'the dependent was collected on a retry');
});
