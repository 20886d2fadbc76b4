import test from 'ava';
import { precheckStale, type AdmissionHook } from '../../src/admission/index.js';
import { CONFIGMAP_KIND, LIMAVM_KIND, type Resource } from '../../src/api/index.js';
import { app, limaVM, rejection, setup } from './helpers/setup.js';

function inTransaction(s: { store: { watch: (o: { kind: string }, f: () => void) => { close(): void } } }): boolean {
  // store.watch refuses to start inside a transaction: an observable probe for "am I in one?".
  try {
    s.store.watch({ kind: 'Namespace' }, () => {}).close();
    return false;
  } catch {
    return true;
  }
}

test('per request: prechecks outside the transaction, then mutate in order, schema, validate, write', async (t) => {
  const log: string[] = [];
  const s = setup(t, {
    hooks: () => [
      {
        name: 'first',
        kinds: [LIMAVM_KIND],
        operations: ['CREATE'],
        async precheck(req) {
          log.push(`precheck first running=${String((req.object!.spec as { running: boolean }).running)} tx=${inTransaction(s)}`);
        },
        mutate(req) {
          log.push(`mutate first tx=${inTransaction(s)}`);
          req.object!.metadata.labels = { by: 'first' };
        },
        validate(req) {
          log.push(`validate first label=${req.object!.metadata.labels?.by}`);
        },
      },
      {
        name: 'second',
        kinds: [LIMAVM_KIND],
        operations: ['CREATE'],
        async precheck() {
          log.push('precheck second');
        },
        mutate(req) {
          log.push(`mutate second label=${req.object!.metadata.labels?.by}`);
          // A mutation that breaks the schema is caught by the schema step that follows.
          if (req.object!.metadata.name === 'broken') (req.object!.spec as Record<string, unknown>).running = 'yes';
        },
        validate() {
          log.push('validate second');
        },
      },
    ],
  });
  const o = await s.api.create(limaVM('x', 'default', { running: undefined }));
  t.deepEqual(log, [
    'precheck first running=false tx=false',
    'precheck second',
    'mutate first tx=true',
    'mutate second label=first',
    'validate first label=first',
    'validate second',
  ]);
  t.deepEqual(o.metadata.labels, { by: 'first' });
  t.is((o.spec as { running: boolean }).running, false, 'schema default applied');

  log.length = 0;
  const e = await rejection(t, s.api.create(limaVM('broken')));
  t.like(e, { code: 422, reason: 'Invalid' });
  t.false(log.some((l) => l.startsWith('validate')), 'validate hooks do not run after a schema failure');
});

test('schema defaults fill an App spec', async (t) => {
  const s = setup(t, { hooks: () => [] });
  const o = await s.api.create(app('app', { running: true }));
  t.deepEqual(o.spec, { running: true, namespace: 'default', containerEngine: { name: 'moby' }, application: { updates: { enabled: true } } });
});

test('schema errors are 422 with one Kubernetes-style cause per field', async (t) => {
  const s = setup(t, { hooks: () => [] });
  const e = await rejection(t, s.api.create({ ...app(), spec: { containerEngine: { name: 'docker' }, extra: 1, virtualMachine: { cpus: 'two' } } }));
  t.like(e, { code: 422, reason: 'Invalid' });
  t.deepEqual(
    e.details?.causes?.map((c) => `${c.field}: ${c.message}`),
    [
      'spec.running: Required value',
      'spec.extra: Forbidden: unknown field',
      'spec.containerEngine.name: Unsupported value: "docker": supported values: "moby", "containerd"',
      'spec.virtualMachine.cpus: Invalid value: "two": must be of type integer',
    ],
  );
  t.true(e.message.startsWith('apps.app.rancherdesktop.io "app" is invalid: spec.running: Required value, '), e.message);
});

test('a missing required spec is 422', async (t) => {
  const s = setup(t, { hooks: () => [] });
  const e = await rejection(t, s.api.create({ apiVersion: 'lima.rancherdesktop.io/v1alpha1', kind: 'LimaVM', metadata: { name: 'x', namespace: 'default' } }));
  t.is(e.message, 'limavms.lima.rancherdesktop.io "x" is invalid: spec: Required value');
});

test('LimaVM spec.params keys must match the Record key pattern', async (t) => {
  const s = setup(t, { hooks: () => [] });
  const e = await rejection(t, s.api.create(limaVM('x', 'default', { params: { ok_1: 'a', '1bad': 'b' } })));
  t.deepEqual(e.details?.causes?.map((c) => c.field), ['spec.params.1bad']);
  t.regex(e.message, /key should match/);
});

test('status writes are validated against the status schema and run only includeStatus hooks', async (t) => {
  const ran: string[] = [];
  const s = setup(t, {
    hooks: () => [
      { name: 'plain', kinds: [LIMAVM_KIND], operations: ['UPDATE'], validate: () => void ran.push('plain') },
      { name: 'status', kinds: [LIMAVM_KIND], operations: ['UPDATE'], includeStatus: true, validate: (req) => void ran.push(`status sub=${req.subresource}`) },
    ],
  });
  const o = await s.api.create(limaVM('x'));
  const st = await s.api.updateStatus({ ...o, status: { restartCount: 1 } });
  t.deepEqual(st.status, { restartCount: 1 });
  await s.api.patch(LIMAVM_KIND, 'default', 'x', { status: { restartNeeded: true } }, { subresource: 'status' });
  t.deepEqual(ran, ['status sub=status', 'status sub=status']);
  const e = await rejection(t, s.api.updateStatus({ ...st, status: { restartCount: -1 } }));
  t.like(e, { code: 422 });
  t.deepEqual(e.details?.causes?.map((c) => `${c.field}: ${c.message}`), ['status.restartCount: Invalid value: -1: should be greater than or equal to 0']);
  await s.api.patch(LIMAVM_KIND, 'default', 'x', { spec: { running: true } });
  t.deepEqual(ran, ['status sub=status', 'status sub=status', 'plain', 'status sub=undefined']);
});

test('a dry-run create runs everything, returns the object with an empty resourceVersion, and keeps nothing', async (t) => {
  const s = setup(t, { hooks: () => [] });
  const before = { counts: s.counts(), rev: s.store.currentRevision(), events: s.events.length };
  const o = await s.api.create(limaVM('x'), { dryRun: true });
  t.is(o.metadata.resourceVersion, '');
  t.truthy(o.metadata.uid);
  t.is(o.metadata.generation, 1);
  t.deepEqual({ counts: s.counts(), rev: s.store.currentRevision(), events: s.events.length }, before);
  t.is(s.store.get(LIMAVM_KIND, 'default', 'x'), undefined);
  // A dry run reports the same errors a real request would.
  t.like(await rejection(t, s.api.create({ ...limaVM('y'), spec: {} }, { dryRun: true })), { code: 422 });
});

test('dry-run update and delete return the would-be object with the old resourceVersion', async (t) => {
  const s = setup(t, { hooks: () => [] });
  const o = await s.api.create({ ...limaVM('x'), metadata: { name: 'x', namespace: 'default', finalizers: ['a.io/f'] } });
  const rev = s.store.currentRevision();
  const u = await s.api.update({ ...o, spec: { ...(o.spec as object), running: true } }, { dryRun: true });
  t.is(u.metadata.resourceVersion, o.metadata.resourceVersion);
  t.is(u.metadata.generation, 2);
  const d = await s.api.delete(LIMAVM_KIND, 'default', 'x', { dryRun: true });
  t.false(d.removed);
  t.truthy(d.object.metadata.deletionTimestamp);
  t.is(d.object.metadata.resourceVersion, o.metadata.resourceVersion);
  const p = await s.api.patch(LIMAVM_KIND, 'default', 'x', { spec: { running: true } }, { dryRun: true });
  t.is(p.metadata.resourceVersion, o.metadata.resourceVersion);
  t.is(s.store.currentRevision(), rev);
  t.deepEqual(s.store.mustGet(LIMAVM_KIND, 'default', 'x'), o);
});

test("a hook's nested write runs that kind's hooks and rolls back when a later step rejects", async (t) => {
  const ran: string[] = [];
  const s = setup(t, {
    hooks: () => [
      {
        name: 'side-effect',
        kinds: [LIMAVM_KIND],
        operations: ['CREATE'],
        mutate(req, ctx) {
          const cm = ctx.nested.create({ apiVersion: 'v1', kind: CONFIGMAP_KIND, metadata: { name: `${req.object!.metadata.name}-side`, namespace: 'default' }, data: {} });
          ran.push(`nested created rv=${cm.metadata.resourceVersion}`);
        },
        validate(req) {
          if (req.object!.metadata.name === 'reject') throw new Error('rejected later');
        },
      },
      {
        name: 'cm-hooks',
        kinds: [CONFIGMAP_KIND],
        operations: ['CREATE'],
        async precheck() {
          ran.push('cm precheck');
        },
        mutate(req) {
          ran.push('cm mutate');
          req.object!.metadata.labels = { nested: 'yes' };
        },
        validate() {
          ran.push('cm validate');
        },
      },
    ],
  });
  const rev = s.store.currentRevision();
  const e = await rejection(t, s.api.create(limaVM('reject')));
  t.like(e, { code: 500, reason: 'InternalError', message: 'internal error: rejected later' });
  t.deepEqual(ran, ['cm mutate', 'cm validate', `nested created rv=${rev + 1}`], 'nested writes run mutate/validate, not prechecks');
  t.is(s.store.get(CONFIGMAP_KIND, 'default', 'reject-side'), undefined);
  t.is(s.store.currentRevision(), rev);

  await s.api.create(limaVM('keep'));
  t.deepEqual(s.store.mustGet(CONFIGMAP_KIND, 'default', 'keep-side').metadata.labels, { nested: 'yes' });
  t.deepEqual(s.events.slice(-2).map((ev) => `${ev.type} ${ev.object.kind}`), ['ADDED ConfigMap', 'ADDED LimaVM'], 'published together, after commit');
});

test('a stale precheck restarts the request from the prechecks', async (t) => {
  let prechecks = 0;
  let staleLeft = 2;
  const s = setup(t, {
    hooks: () => [
      {
        name: 'flaky',
        kinds: [CONFIGMAP_KIND],
        operations: ['CREATE'],
        async precheck(_req, ctx) {
          prechecks++;
          ctx.prechecks.set('attempt', prechecks);
        },
        validate(req, ctx) {
          if (staleLeft-- > 0) throw precheckStale('test input');
          req.object!.metadata.annotations = { attempt: String(ctx.prechecks.get<number>('attempt')) };
        },
      },
    ],
  });
  const o = await s.api.create({ apiVersion: 'v1', kind: CONFIGMAP_KIND, metadata: { name: 'c', namespace: 'default' } });
  t.is(prechecks, 3);
  t.deepEqual(o.metadata.annotations, { attempt: '3' }, 'each attempt has fresh precheck results');
});

test('retries after stale prechecks are bounded and end in 409', async (t) => {
  let prechecks = 0;
  const s = setup(t, {
    maxPrecheckRetries: 2,
    hooks: () => [
      {
        name: 'always-stale',
        kinds: [CONFIGMAP_KIND],
        operations: ['CREATE'],
        precheck: async () => void prechecks++,
        validate: () => {
          throw precheckStale('test input');
        },
      },
    ],
  });
  const e = await rejection(t, s.api.create({ apiVersion: 'v1', kind: CONFIGMAP_KIND, metadata: { name: 'c', namespace: 'default' } }));
  t.like(e, { code: 409, reason: 'Conflict' });
  t.regex(e.message, /its inputs kept changing during admission \(3 attempts\)/);
  t.is(prechecks, 3);
});

test('DELETE runs validate hooks with the stored object and passes the grace period to the store', async (t) => {
  const seen: Array<{ old: Resource | undefined; grace: number | undefined; op: string }> = [];
  const s = setup(t, {
    hooks: () => [
      {
        name: 'observe',
        kinds: [LIMAVM_KIND],
        operations: ['DELETE'],
        mutate: () => {
          throw new Error('mutate must not run on DELETE');
        },
        validate: (req) => void seen.push({ old: req.oldObject, grace: req.operation === 'DELETE' ? req.gracePeriodSeconds : undefined, op: req.operation }),
      },
    ],
  });
  const o = await s.api.create({ ...limaVM('x'), metadata: { name: 'x', namespace: 'default', finalizers: ['a.io/f'] } });
  const d = await s.api.delete(LIMAVM_KIND, 'default', 'x', { gracePeriodSeconds: 45 });
  t.deepEqual(seen, [{ old: o, grace: 45, op: 'DELETE' }]);
  t.is(d.object.metadata.deletionGracePeriodSeconds, 45);
  const pre = await rejection(t, s.api.delete(LIMAVM_KIND, 'default', 'x', { preconditions: { uid: 'nope' } }));
  t.like(pre, { code: 409 });
});

test('a 404 for a missing object and an unknown kind come back as ApiErrors', async (t) => {
  const s = setup(t, { hooks: () => [] });
  t.like(await rejection(t, s.api.delete(LIMAVM_KIND, 'default', 'nope')), { code: 404, message: 'limavms.lima.rancherdesktop.io "nope" not found' });
  t.like(await rejection(t, s.api.patch(CONFIGMAP_KIND, 'default', 'nope', {})), { code: 404 });
  t.like(await rejection(t, s.api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } })), { code: 404 });
});

test('patch through the Api shows hooks the patched object and the stored one', async (t) => {
  const seen: string[] = [];
  const s = setup(t, {
    hooks: () => [
      {
        name: 'observe',
        kinds: [LIMAVM_KIND],
        operations: ['UPDATE'],
        async precheck(req) {
          seen.push(`pre ${String((req.object!.spec as { running: boolean }).running)} ${String((req.oldObject!.spec as { running: boolean }).running)}`);
        },
        validate(req) {
          seen.push(`val ${String((req.object!.spec as { running: boolean }).running)} ${String((req.oldObject!.spec as { running: boolean }).running)}`);
        },
      },
    ],
  });
  await s.api.create(limaVM('x'));
  const p = await s.api.patch(LIMAVM_KIND, 'default', 'x', { spec: { running: true } });
  t.deepEqual(seen, ['pre true false', 'val true false']);
  t.is(p.metadata.generation, 2);
});

test('Api.sync writes synchronously through the same hooks, and refuses writes that need a precheck', async (t) => {
  const s = setup(t, {
    hooks: () => [
      {
        name: 'label',
        kinds: [CONFIGMAP_KIND],
        operations: ['CREATE', 'UPDATE'],
        mutate: (req) => void (req.object!.metadata.labels = { ...req.object!.metadata.labels, sync: 'yes' }),
        validate(req, ctx) {
          if (req.object!.data?.needs === 'precheck' && ctx.prechecks.get('x') === undefined) throw precheckStale('x');
        },
      },
    ],
  });
  const c = s.api.sync.create({ apiVersion: 'v1', kind: CONFIGMAP_KIND, metadata: { name: 'c', namespace: 'default' }, data: {} });
  t.deepEqual(c.metadata.labels, { sync: 'yes' });
  const e = t.throws(() => s.api.sync.patch(CONFIGMAP_KIND, 'default', 'c', { data: { needs: 'precheck' } }));
  t.like(e, { code: 409, reason: 'Conflict' });
  const d = s.api.sync.delete(CONFIGMAP_KIND, 'default', 'c', { dryRun: true });
  t.true(d.removed);
  t.is(d.object.metadata.resourceVersion, c.metadata.resourceVersion);
  t.truthy(s.store.get(CONFIGMAP_KIND, 'default', 'c'));
  t.true(s.api.sync.delete(CONFIGMAP_KIND, 'default', 'c').removed);
});

test('a hook that throws a non-API error yields a 500 InternalError', async (t) => {
  const hooks: AdmissionHook[] = [{ name: 'bug', kinds: [CONFIGMAP_KIND], operations: ['CREATE'], mutate: () => { throw new TypeError('oops'); } }];
  const s = setup(t, { hooks: () => hooks });
  t.like(await rejection(t, s.api.create({ apiVersion: 'v1', kind: CONFIGMAP_KIND, metadata: { name: 'c', namespace: 'default' } })), {
    code: 500,
    reason: 'InternalError',
    message: 'internal error: oops',
  });
});

test('a body without metadata or name is 422, not an internal error', async (t) => {
  const s = setup(t, { hooks: () => [] });
  const noMeta = { apiVersion: 'v1', kind: CONFIGMAP_KIND } as unknown as Resource;
  t.like(await rejection(t, s.api.create(noMeta)), { code: 422, message: 'configmaps "" is invalid: metadata.name: Required value: name is required' });
  t.like(await rejection(t, s.api.update(noMeta)), { code: 422 });
  t.like(t.throws(() => s.api.sync.update(noMeta)), { code: 422 });
});
