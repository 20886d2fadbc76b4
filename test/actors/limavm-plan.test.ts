import test from 'ava';
import { foldEvent, foldResult, foldShutdownStop, type Memory } from '../../src/actors/limavm/fold.js';
import { plan, type Action } from '../../src/actors/limavm/plan.js';
import type { HostagentEvent } from '../../src/lima/types.js';
import { Created, Running } from '../../src/actors/limavm/reasons.js';
import { UID, cm, cond, createdVm, disk, input, onDisk, rt, vm, watching } from './fixtures.js';

const kind = (a: Action) => a.kind;

test('first reconcile only writes Created=Unknown/Pending', (t) => {
  const a = plan(input({ vm: vm() }));
  t.is(a.kind, 'status');
  if (a.kind !== 'status') return;
  t.deepEqual(a.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [['Created', 'Unknown', 'Pending', 'Reconciliation in progress']]);
});

test('the template ConfigMap gets this VM as controller before anything else', (t) => {
  const v = vm({}, {}, { conditions: [cond('Created', 'Unknown', 'Pending')] });
  t.is(kind(plan(input({ vm: v, cm: cm(undefined, '5', null) }))), 'ownTemplateConfigMap');
});

test('a missing instance is created from the template ConfigMap with its resourceVersion', (t) => {
  const v = vm({}, {}, { templateConfigMap: 'vm1-template', conditions: [cond('Created', 'Unknown', 'Pending')] });
  const a = plan(input({ vm: v }));
  t.deepEqual(a, { kind: 'op', op: { kind: 'create', template: 'images: [{location: /x}]\n', cmResourceVersion: '5' } });
});

test('a foreign instance on disk is never deleted: Created=False/InstanceExists', (t) => {
  const v = vm({}, {}, { templateConfigMap: 'vm1-template', conditions: [cond('Created', 'Unknown', 'Pending')] });
  const a = plan(input({ vm: v, disk: disk({ exists: true, status: 'Stopped', owner: 'someone-else' }) }));
  t.is(a.kind, 'status');
  if (a.kind !== 'status') return;
  t.is(a.conditions?.[0]?.reason, Created.InstanceExists);
  t.regex(a.conditions?.[0]?.message ?? '', /was not created by this LimaVM.*adopt/);
});

test('the adopt annotation claims a foreign instance', (t) => {
  const v = vm({ annotations: { 'lima.rancherdesktop.io/adopt': 'true' } }, {}, { templateConfigMap: 'vm1-template', conditions: [cond('Created', 'Unknown', 'Pending')] });
  t.is(kind(plan(input({ vm: v, disk: disk({ exists: true, status: 'Stopped' }) }))), 'claimInstance');
});

test('a stale .preparing sentinel of this VM removes the half-built instance first', (t) => {
  const v = vm({}, {}, { templateConfigMap: 'vm1-template', conditions: [cond('Created', 'Unknown', 'Pending')] });
  t.deepEqual(plan(input({ vm: v, disk: disk({ exists: true, status: 'Stopped', preparing: UID }) })), {
    kind: 'op', op: { kind: 'deleteInstance', purpose: 'stalePrepare' },
  });
  t.is(kind(plan(input({ vm: v, disk: disk({ preparing: UID }) }))), 'removeSentinel');
});

test('an instance of ours found on disk counts as created', (t) => {
  const v = vm({}, {}, { templateConfigMap: 'vm1-template', conditions: [cond('Created', 'Unknown', 'Pending')] });
  const a = plan(input({ vm: v, disk: onDisk() }));
  t.is(a.kind, 'status');
  if (a.kind === 'status') t.is(a.conditions?.[0]?.message, Created.Exists.message);
});

test('create waits out its backoff', (t) => {
  const v = vm({}, {}, { templateConfigMap: 'vm1-template', conditions: [cond('Created', 'False', 'CreateFailed', 'boom')] });
  const a = plan(input({ vm: v, rt: rt({ retryAt: 1_005_000 }) }));
  t.deepEqual(a, { kind: 'none', why: 'create backoff', requeueAfterMs: 5000 });
});

test('a stopped VM that should run goes Reconciling, then Starting, then starts', (t) => {
  const stopped = createdVm({ running: true }, [cond('Running', 'False', 'Stopped', 'Lima instance is stopped')]);
  const a1 = plan(input({ vm: stopped, disk: onDisk() }));
  t.true(a1.kind === 'status' && a1.conditions?.[0]?.reason === 'Reconciling');
  const reconciling = createdVm({ running: true }, [cond('Running', 'Unknown', 'Reconciling', Running.Reconciling.message)]);
  const a2 = plan(input({ vm: reconciling, disk: onDisk() }));
  t.true(a2.kind === 'status' && a2.conditions?.[0]?.reason === 'Starting');
  const starting = createdVm({ running: true }, [cond('Running', 'False', 'Starting', Running.Starting.message)]);
  t.deepEqual(plan(input({ vm: starting, disk: onDisk() })), { kind: 'op', op: { kind: 'start' } });
});

test('readiness comes only from the watcher: running event → Started with restartCount+1', (t) => {
  const starting = createdVm({ running: true }, [cond('Running', 'False', 'Starting', Running.Starting.message)]);
  const a = plan(input({ vm: starting, disk: onDisk({ status: 'Running' }), rt: rt({ watcher: watching('running') }) }));
  t.true(a.kind === 'status' && a.countStart === true && a.conditions?.[0]?.status === 'True');
  // Disk says Running but the watcher has not seen the running event: still Starting.
  const b = plan(input({ vm: starting, disk: onDisk({ status: 'Running' }), rt: rt({ watcher: watching('starting') }) }));
  t.is(b.kind, 'none');
});

test('a degraded boot is Running=True with the errors in the message', (t) => {
  const starting = createdVm({ running: true }, [cond('Running', 'False', 'Starting', Running.Starting.message)]);
  const a = plan(input({ vm: starting, disk: onDisk({ status: 'Running' }), rt: rt({ watcher: watching('running', ['port forward failed']) }) }));
  t.true(a.kind === 'status' && a.conditions?.[0]?.status === 'True');
  if (a.kind === 'status') t.regex(a.conditions?.[0]?.message ?? '', /degraded: port forward failed/);
});

test('Started again does not count another start', (t) => {
  const started = createdVm({ running: true }, [cond('Running', 'True', 'Started', Running.Started.message)]);
  t.is(plan(input({ vm: started, disk: onDisk({ status: 'Running' }), rt: rt({ watcher: watching('running') }) })).kind, 'none');
});

test('spec.running=false stops a running VM gracefully', (t) => {
  const started = createdVm({ running: false }, [cond('Running', 'True', 'Started')]);
  t.deepEqual(plan(input({ vm: started, disk: onDisk({ status: 'Running' }), rt: rt({ watcher: watching('running') }) })), {
    kind: 'op', op: { kind: 'stop', graceMs: 30_000, purpose: 'stop' },
  });
});

test('spec.running=false during a start aborts the start', (t) => {
  const starting = createdVm({ running: false }, [cond('Running', 'False', 'Starting')]);
  t.is(kind(plan(input({ vm: starting, disk: onDisk({ status: 'Running' }), rt: rt({ op: { kind: 'start' }, watcher: watching('starting') }) }))), 'abortOp');
});

test('after a daemon restart a healthy live hostagent is adopted, a broken one is stopped', (t) => {
  const started = createdVm({ running: true }, [cond('Running', 'True', 'Started')]);
  t.is(kind(plan(input({ vm: started, disk: onDisk({ status: 'Running' }) }))), 'adopt');
  t.deepEqual(plan(input({ vm: started, disk: onDisk({ status: 'Broken' }) })), { kind: 'op', op: { kind: 'stop', graceMs: 30_000, purpose: 'orphan' } });
});

test('a Broken instance is left alone until Broken persists past the debounce', (t) => {
  const started = createdVm({ running: true }, [cond('Running', 'True', 'Started')]);
  const debounced = { ...input({}).cfg, brokenDebounceMs: 3000 };
  const early = plan(input({ vm: started, disk: onDisk({ status: 'Broken' }), cfg: debounced, rt: rt({ brokenSince: 999_000 }) }));
  t.deepEqual(early, { kind: 'none', why: 'Broken on disk; waiting to see if it persists', requeueAfterMs: 2000 });
  const late = plan(input({ vm: started, disk: onDisk({ status: 'Broken' }), cfg: debounced, rt: rt({ brokenSince: 990_000 }) }));
  t.deepEqual(late, { kind: 'op', op: { kind: 'stop', graceMs: 30_000, purpose: 'orphan' } });
});

test('a hostagent that exited on its own is cleaned up, then restarted after the backoff', (t) => {
  const started = createdVm({ running: true }, [cond('Running', 'False', 'Starting', 'the host agent exited unexpectedly; restarting in 1s')]);
  // QEMU outlived the hostagent: force-stop the leftover.
  t.deepEqual(plan(input({ vm: started, disk: onDisk({ status: 'Broken' }), rt: rt({ watcher: watching('exited'), failures: [999_000], retryAt: 1_001_000 }) })), {
    kind: 'op', op: { kind: 'stop', graceMs: 0, purpose: 'crash' },
  });
  t.is(kind(plan(input({ vm: started, disk: onDisk(), rt: rt({ watcher: watching('exited'), failures: [999_000], retryAt: 1_001_000 }) }))), 'stopWatcher');
  const a = plan(input({ vm: started, disk: onDisk(), rt: rt({ failures: [999_000], retryAt: 1_001_000 }) }));
  t.deepEqual(a, { kind: 'none', why: 'start backoff', requeueAfterMs: 1000 });
});

test('too many failures within the window give StartFailed, which then sticks for this generation', (t) => {
  const v = createdVm({ running: true }, [cond('Running', 'False', 'Starting', 'x')]);
  const a = plan(input({ vm: v, disk: onDisk(), rt: rt({ failures: [990_000, 995_000, 999_000], lastFailure: 'start failed: boom' }) }));
  t.true(a.kind === 'status' && a.conditions?.[0]?.reason === 'StartFailed');
  if (a.kind === 'status') t.regex(a.conditions?.[0]?.message ?? '', /^start failed: boom \(gave up after 3 failures/);
  const failed = createdVm({ running: true }, [cond('Running', 'False', 'StartFailed', 'start failed: boom', 1)]);
  t.is(plan(input({ vm: failed, disk: onDisk() })).kind, 'none');
  // A spec edit (generation 2) tries again.
  const edited = { ...failed, metadata: { ...failed.metadata, generation: 2 } };
  t.not(plan(input({ vm: edited, disk: onDisk() })).kind, 'none');
});

test('failures outside the window do not count', (t) => {
  const v = createdVm({ running: true }, [cond('Running', 'False', 'Starting', Running.Starting.message)]);
  const a = plan(input({ vm: v, disk: onDisk(), rt: rt({ failures: [1, 2, 3] }) }));
  t.deepEqual(a, { kind: 'op', op: { kind: 'start' } });
});

test('restart annotation: status first, then the annotation goes, then stop for restart', (t) => {
  const ann = { 'lima.rancherdesktop.io/restartRequested': '2026-01-01T00:00:00Z' };
  const started = createdVm({ running: true }, [cond('Running', 'True', 'Started')]);
  const withAnn = { ...started, metadata: { ...started.metadata, annotations: ann } };
  const a = plan(input({ vm: withAnn, disk: onDisk({ status: 'Running' }), rt: rt({ watcher: watching('running') }) }));
  t.true(a.kind === 'status' && a.fields?.restartNeeded === true);
  const flagged = { ...withAnn, status: { ...withAnn.status, restartNeeded: true } };
  t.deepEqual(plan(input({ vm: flagged, disk: onDisk({ status: 'Running' }), rt: rt({ watcher: watching('running') }) })), {
    kind: 'removeAnnotation', key: 'lima.rancherdesktop.io/restartRequested',
  });
  const pending = { ...started, status: { ...started.status, restartNeeded: true } };
  t.deepEqual(plan(input({ vm: pending, disk: onDisk({ status: 'Running' }), rt: rt({ watcher: watching('running') }) })), {
    kind: 'op', op: { kind: 'stop', graceMs: 30_000, purpose: 'restart' },
  });
  // While booting, the restart waits for the boot to finish.
  t.is(plan(input({ vm: pending, disk: onDisk({ status: 'Running' }), rt: rt({ watcher: watching('starting') }) })).kind, 'none');
});

test('restart of a stopped VM just clears the flag; it stays stopped', (t) => {
  const stopped = createdVm({ running: false }, [cond('Running', 'False', 'Stopped')], { restartNeeded: true });
  const a = plan(input({ vm: stopped, disk: onDisk() }));
  t.true(a.kind === 'status' && a.fields?.restartNeeded === false && a.conditions === undefined);
});

test('template edit while running: restartNeeded first, then lima.yaml is rewritten, OTRV deferred', (t) => {
  const started = createdVm({ running: true }, [cond('Running', 'True', 'Started')]);
  const newCm = cm('images: [{location: /y}]\n', '9');
  const a = plan(input({ vm: started, cm: newCm, disk: onDisk({ status: 'Running' }), rt: rt({ watcher: watching('running') }) }));
  t.true(a.kind === 'status' && a.fields?.restartNeeded === true);
  const flagged = { ...started, status: { ...started.status, restartNeeded: true } };
  t.deepEqual(plan(input({ vm: flagged, cm: newCm, disk: onDisk({ status: 'Running' }), rt: rt({ watcher: watching('running') }) })), {
    kind: 'writeLimaYaml', text: 'images: [{location: /y}]\n',
  });
  // Disk now matches, restart pending: OTRV is not recorded yet; the restart proceeds.
  const b = plan(input({ vm: flagged, cm: newCm, disk: onDisk({ status: 'Running', limaYaml: 'images: [{location: /y}]\n' }), rt: rt({ watcher: watching('running') }) }));
  t.deepEqual(b, { kind: 'op', op: { kind: 'stop', graceMs: 30_000, purpose: 'restart' } });
});

test('template edit while stopped: rewrite lima.yaml, record OTRV, stay stopped', (t) => {
  const stopped = createdVm({ running: false }, [cond('Running', 'False', 'Stopped')]);
  const newCm = cm('images: [{location: /y}]\n', '9');
  t.is(kind(plan(input({ vm: stopped, cm: newCm, disk: onDisk() }))), 'writeLimaYaml');
  const a = plan(input({ vm: stopped, cm: newCm, disk: onDisk({ limaYaml: 'images: [{location: /y}]\n' }) }));
  t.true(a.kind === 'status' && a.fields?.observedTemplateResourceVersion === '9');
});

test('deletion: abort a start, stop gracefully with the request grace, delete, release owned, drop the finalizer', (t) => {
  const del = { deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 7 };
  const v = createdVm({ running: true }, [cond('Running', 'False', 'Starting')]);
  const dv = { ...v, metadata: { ...v.metadata, ...del } };
  t.is(kind(plan(input({ vm: dv, disk: onDisk({ status: 'Running' }), rt: rt({ op: { kind: 'start' }, watcher: watching('starting') }) }))), 'abortOp');
  t.deepEqual(plan(input({ vm: dv, disk: onDisk({ status: 'Running' }), rt: rt({ watcher: watching('starting') }) })), {
    kind: 'op', op: { kind: 'stop', graceMs: 7000, purpose: 'delete' },
  });
  t.deepEqual(plan(input({ vm: dv, disk: onDisk() })), { kind: 'op', op: { kind: 'deleteInstance', purpose: 'delete' } });
  t.is(kind(plan(input({ vm: dv, disk: disk(), ownedCount: 1 }))), 'deleteOwned');
  t.is(kind(plan(input({ vm: dv, disk: disk() }))), 'removeCleanupFinalizer');
});

test('deletion never touches an instance this VM does not own', (t) => {
  const v = vm({ deletionTimestamp: '2026-01-01T00:00:00Z' }, {}, { conditions: [cond('Created', 'False', 'InstanceExists')] });
  t.is(kind(plan(input({ vm: v, disk: disk({ exists: true, status: 'Running', owner: 'other' }) }))), 'removeCleanupFinalizer');
});

test('deletion with grace 0 forces the stop', (t) => {
  const v = createdVm({ running: true }, [cond('Running', 'True', 'Started')]);
  const dv = { ...v, metadata: { ...v.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0 } };
  t.deepEqual(plan(input({ vm: dv, disk: onDisk({ status: 'Running' }), rt: rt({ watcher: watching('running') }) })), {
    kind: 'op', op: { kind: 'stop', graceMs: 0, purpose: 'delete' },
  });
});

test('reset: stop, delete the instance, then recreate from Pending', (t) => {
  const v = createdVm({ running: true }, [cond('Running', 'True', 'Started')], { resetNeeded: true });
  t.deepEqual(plan(input({ vm: v, disk: onDisk({ status: 'Running' }), rt: rt({ watcher: watching('running') }) })), {
    kind: 'op', op: { kind: 'stop', graceMs: 0, purpose: 'reset' },
  });
  t.deepEqual(plan(input({ vm: v, disk: onDisk() })), { kind: 'op', op: { kind: 'deleteInstance', purpose: 'reset' } });
  const a = plan(input({ vm: v, disk: disk() }));
  t.true(a.kind === 'status' && a.fields?.resetNeeded === false && a.conditions?.[0]?.reason === 'Pending');
});

test('a steady running VM needs nothing', (t) => {
  const started = createdVm({ running: true }, [cond('Running', 'True', 'Started', Running.Started.message)]);
  t.is(plan(input({ vm: started, disk: onDisk({ status: 'Running' }), rt: rt({ watcher: watching('running') }) })).kind, 'none');
  const stopped = createdVm({ running: false }, [cond('Running', 'False', 'Stopped', Running.Stopped.message)]);
  t.is(plan(input({ vm: stopped, disk: onDisk() })).kind, 'none');
});

// The fold: what a result or a hostagent event changes (pure, like the planner).
const memory = (over: Partial<Memory> = {}): Memory => ({
  attempts: 0, failures: [], lastFailure: undefined, retryAt: undefined, attemptFailed: false, failedStartCleanup: false, watcher: undefined, ...over,
});
const foldCfg = { crashLoop: { max: 3, windowMs: 60_000 }, backoff: { minMs: 1_000, maxMs: 8_000, jitter: 0 } };
const fctx = { vm: createdVm({ running: true }), now: 1_000_000, cfg: foldCfg, random: () => 0, hostagentAlive: false, simulator: false };

test('fold: a failed create counts an attempt, arms the backoff and says so in Created', (t) => {
  const f = foldResult(memory({ attempts: 1 }), { kind: 'create', template: 'x', cmResourceVersion: '5' }, { ok: false, error: new Error('download failed') }, fctx);
  t.is(f.memory.attempts, 2);
  t.true((f.memory.retryAt ?? 0) > fctx.now);
  t.regex(f.status?.conditions?.[0]?.message ?? '', /download failed \(attempt 2; retrying in /);
});

test('fold: a failed start with no hostagent left stops the watcher and counts one failure', (t) => {
  const f = foldResult(memory({ watcher: { phase: 'starting', degradedErrors: [] } }), { kind: 'start' }, { ok: false, error: new Error('boot failed') }, fctx);
  t.true(f.stopWatcher);
  t.is(f.memory.watcher, undefined);
  t.deepEqual(f.memory.failures, [fctx.now]);
  t.false(f.memory.failedStartCleanup);
  t.is(f.status?.conditions?.[0]?.reason, Running.Starting.reason);
  // The watcher saw the same attempt fail: it is not counted twice.
  const again = foldEvent(f.memory, { type: 'processExit', pid: 42 } satisfies HostagentEvent, { ...fctx, stopping: false });
  t.deepEqual(again.memory.failures, [fctx.now]);
});

test('fold: an exit the actor asked for is not a failure; an unexpected one is', (t) => {
  const running = memory({ watcher: { phase: 'running', degradedErrors: [] } });
  const ev = { type: 'processExit', pid: 42 } satisfies HostagentEvent;
  const asked = foldEvent(running, ev, { ...fctx, stopping: true });
  t.is(asked.memory.watcher?.phase, 'exited');
  t.deepEqual(asked.memory.failures, []);
  const crash = foldEvent(running, ev, { ...fctx, stopping: false });
  t.deepEqual(crash.memory.failures, [fctx.now]);
  t.regex(crash.memory.lastFailure ?? '', /exited unexpectedly/);
});

test('fold: the daemon shutdown stop that worked says so in Running, and touches nothing else', (t) => {
  const m = Object.freeze(memory({ attempts: 1, watcher: { phase: 'running', degradedErrors: [] } }));
  const v = vm({ generation: 7 }, { running: true });
  const f = foldShutdownStop(m, { ok: true, value: { kind: 'stopped', outcome: { forced: false } } }, v);
  t.deepEqual(f, {
    memory: m,
    status: { conditions: [{ type: 'Running', status: 'False', reason: 'Stopped', message: 'Lima instance stopped because the daemon shut down', observedGeneration: 7 }] },
    log: [],
    stopped: true,
    forced: false,
  });
  t.true(foldShutdownStop(m, { ok: true, value: { kind: 'stopped', outcome: { forced: true, reason: 'timeout' } } }, v).forced);
});

test('fold: a failed shutdown stop, or one whose object is gone, writes no status', (t) => {
  const m = memory();
  const failed = foldShutdownStop(m, { ok: false, error: new Error('limactl stop failed') }, createdVm({ running: true }));
  t.deepEqual(failed, { memory: m, log: [], stopped: false, forced: false });
  const gone = foldShutdownStop(m, { ok: true, value: { kind: 'stopped', outcome: { forced: false } } }, undefined);
  t.deepEqual(gone, { memory: m, log: [], stopped: true, forced: false });
});
