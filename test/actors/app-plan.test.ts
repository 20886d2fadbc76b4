import test from 'ava';
import { planApp, type AppPlanInput } from '../../src/actors/app/plan.js';
import { computeSettled, mirrorConditions } from '../../src/actors/app/settled.js';
import { CONDITION_MESSAGE_MAX, TRUNCATION_SUFFIX, type ConfigMap, type LimaVM, type Namespace } from '../../src/api/index.js';
import { app, cond, vm } from './fixtures.js';

const ns: Namespace = {
  apiVersion: 'v1', kind: 'Namespace',
  metadata: { name: 'default', uid: 'ns-uid', resourceVersion: '1', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
};

function rdVm(over: Partial<LimaVM['metadata']> = {}, spec: Partial<LimaVM['spec']> = {}, status: LimaVM['status'] = {}): LimaVM {
  return vm({ name: 'rd', uid: 'rd-uid', finalizers: ['rdd.rancherdesktop.io/cleanup', 'rdd.rancherdesktop.io/owned-by-App'], ownerReferences: [{ apiVersion: 'app.rancherdesktop.io/v1alpha1', kind: 'App', name: 'app', uid: 'app-uid', controller: true }], ...over }, { templateRef: { name: 'rd', namespace: 'default' }, running: true, ...spec }, status);
}

function tcm(template: string, rv = '20'): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rd-template', namespace: 'default', uid: 't', resourceVersion: rv, generation: 1, creationTimestamp: 'x' }, data: { template } };
}

function input(over: Partial<AppPlanInput>): AppPlanInput {
  return {
    app: app(), namespace: ns, vm: undefined, inputCM: undefined, templateCM: undefined, rendered: 'T1',
    ownedCount: 0, namespaceEmpty: true, op: undefined, now: 1_000_000, childTeardownMs: 300_000, ...over,
  };
}

test('live order: finalizer, namespace, input ConfigMap, VM create, input ConfigMap deleted', (t) => {
  t.is(planApp(input({ app: app({}, { finalizers: [] }) })).kind, 'addCleanupFinalizer');
  t.deepEqual(planApp(input({ namespace: undefined })), { kind: 'createNamespace', name: 'default' });
  t.deepEqual(planApp(input({})), { kind: 'ensureInputConfigMap', template: 'T1' });
  const input1: ConfigMap = { ...tcm('T1'), metadata: { ...tcm('T1').metadata, name: 'rd' } };
  t.deepEqual(planApp(input({ inputCM: input1 })), { kind: 'op', op: { kind: 'createVM', template: 'T1' } });
  // A leftover input ConfigMap from an interrupted attempt with stale content is refreshed, not reused.
  const stale = { ...input1, data: { template: 'OLD' } };
  t.deepEqual(planApp(input({ inputCM: stale })), { kind: 'ensureInputConfigMap', template: 'T1' });
  t.is(planApp(input({ inputCM: input1, vm: rdVm() })).kind, 'deleteInputConfigMap');
});

test('stop before a template change, start after it', (t) => {
  const created = rdVm({}, { running: true }, { templateConfigMap: 'rd-template', observedTemplateResourceVersion: '20', conditions: [cond('Created', 'True', 'Created'), cond('Running', 'True', 'Started')] });
  t.deepEqual(planApp(input({ app: app({ running: false }), vm: created, templateCM: tcm('T0'), rendered: 'T1' })), { kind: 'setVMRunning', running: false });
  const stopped = { ...created, spec: { ...created.spec, running: false } };
  t.deepEqual(planApp(input({ app: app({ running: true }), vm: stopped, templateCM: tcm('T0'), rendered: 'T1' })), {
    kind: 'op', op: { kind: 'syncTemplate', template: 'T1', configMap: 'rd-template' },
  });
  t.deepEqual(planApp(input({ app: app({ running: true }), vm: stopped, templateCM: tcm('T1'), rendered: 'T1' })), { kind: 'setVMRunning', running: true });
});

test('Kubernetes enabled: a port is chosen before anything renders; disabled: it is cleared', (t) => {
  t.deepEqual(planApp(input({ app: app({ kubernetes: { enabled: true, version: '1.33.4' } }), rendered: undefined })), { kind: 'op', op: { kind: 'choosePort' } });
  const a = planApp(input({ app: app({}, {}, { kubernetesPort: 7443 }) }));
  t.true(a.kind === 'status' && a.kubernetesPort === 0);
});

test('a chosen port is written before any other step, once, and only while the status has none', (t) => {
  const k8s = { kubernetes: { enabled: true, version: '1.33.4' } };
  const conditions = [cond('Settled', 'False', 'WaitingForLimaVM')];
  const waiting = app(k8s, {}, { conditions });
  // Written with the conditions as they are, even ahead of a name conflict's report.
  const conflict = { kind: 'LimaVM', namespace: 'default', name: 'rd', deleting: false };
  t.deepEqual(planApp(input({ app: waiting, rendered: undefined, chosenPort: 7443, conflict })), {
    kind: 'status', why: 'kubernetes port', conditions, kubernetesPort: 7443,
  });
  // A recorded port is never replaced, and a port chosen for a Kubernetes since disabled is not written.
  const recorded = planApp(input({ app: app(k8s, {}, { kubernetesPort: 7001 }), chosenPort: 7443 }));
  t.false(recorded.kind === 'status' && recorded.kubernetesPort !== undefined);
  const disabled = planApp(input({ app: app({}, {}, { conditions }), chosenPort: 7443 }));
  t.false(disabled.kind === 'status' && disabled.kubernetesPort !== undefined);
});

test('deletion releases the VM even when it is already Terminating, and never deadlocks', (t) => {
  const deleting = app({}, { deletionTimestamp: '2026-01-01T00:00:00Z' });
  const terminating = rdVm({ deletionTimestamp: '2026-01-01T00:00:00Z' });
  t.is(planApp(input({ app: deleting, vm: terminating })).kind, 'releaseVM');
  const live = rdVm();
  t.is(planApp(input({ app: deleting, vm: live })).kind, 'releaseVM');
  const released = rdVm({ finalizers: ['rdd.rancherdesktop.io/cleanup'] });
  t.is(planApp(input({ app: deleting, vm: released })).kind, 'deleteVM');
  const going = rdVm({ finalizers: ['rdd.rancherdesktop.io/cleanup'], deletionTimestamp: new Date(999_000).toISOString() });
  t.is(planApp(input({ app: deleting, vm: going })).kind, 'none');
});

test('deletion: a child stuck past the bound raises Deleting=False/ChildTeardownStuck', (t) => {
  const deleting = app({}, { deletionTimestamp: '2026-01-01T00:00:00Z' });
  const stuck = rdVm({ finalizers: ['rdd.rancherdesktop.io/cleanup'], deletionTimestamp: new Date(0).toISOString() }, {}, {
    conditions: [cond('Deleting', 'False', 'TeardownFailed', 'limactl delete failed')],
  });
  const a = planApp(input({ app: deleting, vm: stuck, now: 400_000 }));
  t.true(a.kind === 'status');
  if (a.kind !== 'status') return;
  const d = a.conditions.find((c) => c.type === 'Deleting');
  t.is(d?.reason, 'ChildTeardownStuck');
  t.regex(d?.message ?? '', /limactl delete failed/);
});

test('deletion after the VM is gone: input ConfigMap, owned leftovers, own namespace only if empty, then the finalizer', (t) => {
  const deleting = app({}, { deletionTimestamp: '2026-01-01T00:00:00Z' });
  const input1: ConfigMap = { ...tcm('T1'), metadata: { ...tcm('T1').metadata, name: 'rd' } };
  t.is(planApp(input({ app: deleting, inputCM: input1 })).kind, 'deleteInputConfigMap');
  t.is(planApp(input({ app: deleting, ownedCount: 1 })).kind, 'deleteOwned');
  const ownNs: Namespace = { ...ns, metadata: { ...ns.metadata, ownerReferences: [{ apiVersion: 'x', kind: 'App', name: 'app', uid: 'app-uid', controller: true }] } };
  t.deepEqual(planApp(input({ app: deleting, namespace: ownNs })), { kind: 'deleteNamespace', name: 'default' });
  t.deepEqual(planApp(input({ app: deleting, namespace: ownNs, namespaceEmpty: false })), { kind: 'releaseNamespace', name: 'default' });
  t.is(planApp(input({ app: deleting, namespace: ns })).kind, 'removeCleanupFinalizer');
});

test('a VM made Terminating behind the App is released, not mirrored, and recreated once gone', (t) => {
  const mirrored = app({}, {}, { conditions: [cond('Running', 'True', 'Started')] });
  const terminating = rdVm({ deletionTimestamp: '2026-01-01T00:00:00Z' }, {}, { conditions: [cond('Running', 'True', 'Started')] });
  t.is(planApp(input({ app: mirrored, vm: terminating })).kind, 'releaseVM');
  const released = rdVm({ deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['rdd.rancherdesktop.io/cleanup'] });
  const a = planApp(input({ app: mirrored, vm: released }));
  t.true(a.kind === 'status');
  if (a.kind === 'status') {
    t.false(a.conditions.some((c) => c.type === 'Running'));
    t.is(a.conditions.find((c) => c.type === 'Settled')?.reason, 'WaitingForLimaVM');
  }
});

test('mirroring copies the VM conditions exactly and removes the ones it dropped', (t) => {
  const v = rdVm({}, {}, { conditions: [{ ...cond('Running', 'True', 'Started', 'up'), lastTransitionTime: '2026-02-02T02:02:02Z' }] });
  const before = [cond('Created', 'True', 'Created'), cond('Running', 'False', 'Starting'), cond('Settled', 'False', 'X')];
  const out = mirrorConditions(before, v, 7);
  t.deepEqual(out.map((c) => c.type), ['Running', 'Settled']);
  t.deepEqual(out[0], { type: 'Running', status: 'True', reason: 'Started', message: 'up', lastTransitionTime: '2026-02-02T02:02:02Z', observedGeneration: 7 });
});

test('mirroring truncates a long message at the boundary', (t) => {
  const long = 'é'.repeat(CONDITION_MESSAGE_MAX + 10);
  const v = rdVm({}, {}, { conditions: [cond('Running', 'False', 'StartFailed', long)] });
  const out = mirrorConditions([], v, 1);
  t.is(Array.from(out[0]!.message).length, CONDITION_MESSAGE_MAX);
  t.true(out[0]!.message.endsWith(TRUNCATION_SUFFIX));
});

test('Settled: started and wanted → True; CreateFailed and StartFailed settle as failures', (t) => {
  const base = { generation: 3, desiredRunning: true, templateUpToDate: true };
  const up = rdVm({}, {}, { conditions: [cond('Created', 'True', 'Created'), cond('Running', 'True', 'Started')] });
  t.like(computeSettled({ ...base, vm: up }), { status: 'True', reason: 'Settled', observedGeneration: 3 });
  const cf = rdVm({}, {}, { conditions: [cond('Created', 'False', 'CreateFailed', 'download failed')] });
  t.like(computeSettled({ ...base, vm: cf }), { status: 'False', reason: 'CreateFailed', message: 'download failed' });
  const sf = rdVm({}, {}, { conditions: [cond('Created', 'True', 'Created'), cond('Running', 'False', 'StartFailed', 'gave up')] });
  t.like(computeSettled({ ...base, vm: sf }), { status: 'False', reason: 'StartFailed', message: 'gave up' });
});

test('Settled: template gate, transient reasons forwarded, stop settles on Stopped', (t) => {
  const up = rdVm({}, {}, { conditions: [cond('Created', 'True', 'Created'), cond('Running', 'True', 'Started')] });
  t.like(computeSettled({ generation: 1, desiredRunning: true, templateUpToDate: false, vm: up }), { reason: 'ApplyingTemplate' });
  const starting = rdVm({}, {}, { conditions: [cond('Created', 'True', 'Created'), cond('Running', 'False', 'Starting', 'x')] });
  t.like(computeSettled({ generation: 1, desiredRunning: true, templateUpToDate: true, vm: starting }), { status: 'False', reason: 'Starting', message: 'LimaVM has not yet reached Started' });
  t.like(computeSettled({ generation: 1, desiredRunning: false, templateUpToDate: true, vm: up }), { status: 'False', reason: 'Started' });
  const stopped = rdVm({}, {}, { conditions: [cond('Created', 'True', 'Created'), cond('Running', 'False', 'Stopped')] });
  t.like(computeSettled({ generation: 1, desiredRunning: false, templateUpToDate: true, vm: stopped }), { status: 'True' });
  t.like(computeSettled({ generation: 1, desiredRunning: true, templateUpToDate: true, vm: undefined }), { reason: 'WaitingForLimaVM' });
});

test('Settled waits until the VM has observed its latest spec', (t) => {
  const up = rdVm({ generation: 2 }, {}, { conditions: [cond('Created', 'True', 'Created'), cond('Running', 'False', 'Stopped', '', 1)] });
  t.like(computeSettled({ generation: 1, desiredRunning: false, templateUpToDate: true, vm: up }), { status: 'False' });
});

test('a steady App writes nothing', (t) => {
  const created = rdVm({}, { running: true }, { templateConfigMap: 'rd-template', observedTemplateResourceVersion: '20', conditions: [cond('Created', 'True', 'Created'), cond('Running', 'True', 'Started')] });
  const first = planApp(input({ vm: created, templateCM: tcm('T1') }));
  t.is(first.kind, 'status');
  if (first.kind !== 'status') return;
  const settledApp = app({}, {}, { conditions: first.conditions });
  t.is(planApp(input({ app: settledApp, vm: created, templateCM: tcm('T1') })).kind, 'none');
});

test('a steady App writes nothing whatever order the store gives the condition keys in', (t) => {
  const created = rdVm({}, { running: true }, { templateConfigMap: 'rd-template', observedTemplateResourceVersion: '20', conditions: [cond('Created', 'True', 'Created'), cond('Running', 'True', 'Started')] });
  const first = planApp(input({ vm: created, templateCM: tcm('T1') }));
  if (first.kind !== 'status') return t.fail('expected a first status write');
  // What a JSON round trip through SQLite with sorted keys gives back.
  const sorted = first.conditions.map((c) => Object.fromEntries(Object.entries(c).sort(([a], [b]) => a.localeCompare(b))) as typeof c);
  t.is(planApp(input({ app: app({}, {}, { conditions: sorted }), vm: created, templateCM: tcm('T1') })).kind, 'none');
});

test('a VM actor that gave up shows on Settled even while the VM still says Running=True', (t) => {
  const up = rdVm({}, { running: true }, { templateConfigMap: 'rd-template', observedTemplateResourceVersion: '20', conditions: [cond('Created', 'True', 'Created'), cond('Running', 'True', 'Started')] });
  const failure = 'the LimaVM actor failed repeatedly and was stopped: boom';
  t.like(computeSettled({ generation: 4, desiredRunning: true, templateUpToDate: true, vm: up, actorFailure: failure }), {
    status: 'False', reason: 'LimaVMActorFailed', message: failure, observedGeneration: 4,
  });
  const a = planApp(input({ vm: up, templateCM: tcm('T1'), childFailure: failure }));
  if (a.kind !== 'status') return t.fail(`expected a status write, got ${a.kind}`);
  t.like(a.conditions.find((c) => c.type === 'Settled'), { status: 'False', reason: 'LimaVMActorFailed', message: failure });
});

test('a foreign object named like the App\'s is a NameConflict at the current generation, and nothing else is planned', (t) => {
  const a = planApp(input({ app: app({}, { generation: 5 }), conflict: { kind: 'LimaVM', namespace: 'default', name: 'rd', deleting: false } }));
  if (a.kind !== 'status') return t.fail(`expected a status write, got ${a.kind}`);
  const s = a.conditions.find((c) => c.type === 'Settled');
  t.like(s, { status: 'False', reason: 'NameConflict', observedGeneration: 5 });
  t.regex(s?.message ?? '', /^LimaVM default\/rd already exists and is not controlled by this App.*delete or rename it/);
  // Once reported, the App waits for the object to change (no requeue, no write).
  const settledApp = app({}, { generation: 5 }, { conditions: a.conditions });
  t.deepEqual(planApp(input({ app: settledApp, conflict: { kind: 'LimaVM', namespace: 'default', name: 'rd', deleting: false } })), { kind: 'none', why: 'steady' });
});

test('a failed step is written at the current generation before it is retried', (t) => {
  const stepFailure = { reason: 'TemplateInvalid', message: 'Lima rejects the App\'s template: bad', retryAt: 2_000_000 };
  const a = planApp(input({ app: app({}, { generation: 3 }), stepFailure }));
  if (a.kind !== 'status') return t.fail(`expected a status write, got ${a.kind}`);
  t.like(a.conditions.find((c) => c.type === 'Settled'), { status: 'False', reason: 'TemplateInvalid', observedGeneration: 3 });
  const written = app({}, { generation: 3 }, { conditions: a.conditions });
  t.deepEqual(planApp(input({ app: written, stepFailure })), { kind: 'none', why: 'a step failed; retrying', requeueAfterMs: 1_000_000 });
  // At retryAt the step runs again.
  t.is(planApp(input({ app: written, stepFailure, now: 2_000_000 })).kind, 'ensureInputConfigMap');
});
