// The App's fold (src/actors/app/fold.ts): an operation's result in, the actor's new memory and
// its log lines out. Pure: no store, no kernel, no clock but the `now` it is given.
import test from 'ava';
import { foldApp, type AppFoldContext, type AppMemory } from '../../src/actors/app/fold.js';
import type { AppOp } from '../../src/actors/app/plan.js';
import { errors } from '../../src/api/index.js';
import { app } from './fixtures.js';

const memory = (over: Partial<AppMemory> = {}): AppMemory => Object.freeze({
  attempts: 0, createError: undefined, retryAt: undefined, stepFailure: undefined, chosenPort: undefined, ...over,
});
// No jitter: attempt n waits 1 s * 2^(n-1).
const ctx: AppFoldContext = { app: app({}, { generation: 4 }), now: 1_000_000, backoff: { minMs: 1_000, maxMs: 60_000, jitter: 0 }, random: () => 0.5 };
const sync: AppOp = { kind: 'syncTemplate', template: 'T', configMap: 'rd-template' };

test('a chosen port is only remembered: the planner writes it', (t) => {
  const before = memory({ attempts: 2, stepFailure: { action: 'status', generation: 4, reason: 'R', message: 'm', retryAt: 5 } });
  const f = foldApp(before, { kind: 'choosePort' }, { ok: true, value: 7443 }, ctx);
  t.deepEqual(f.memory, { ...before, chosenPort: 7443 });
  t.deepEqual(f.log, [{ level: 'info', fields: { port: 7443 }, msg: 'chose the Kubernetes API port' }]);
});

test('a choosePort that returns no number is a defect, not a port', (t) => {
  t.throws(() => foldApp(memory(), { kind: 'choosePort' }, { ok: true, value: '7443' }, ctx), { message: /choosePort returned string/ });
});

test('a failed choosePort is recorded as a failed operation at the App generation, with its backoff', (t) => {
  const f = foldApp(memory({ attempts: 1 }), { kind: 'choosePort' }, { ok: false, error: new Error('no free TCP port') }, ctx);
  t.is(f.memory.chosenPort, undefined);
  t.is(f.memory.attempts, 2);
  t.deepEqual(f.memory.stepFailure, {
    action: 'op:choosePort', generation: 4, retryAt: ctx.now + 2_000, reason: 'ReconcileFailed', message: 'choosePort failed: no free TCP port; retrying',
  });
});

test('a failed VM create sets the create error and its retry time; a later success clears them', (t) => {
  const failed = foldApp(memory({ attempts: 2 }), { kind: 'createVM', template: 'T' }, { ok: false, error: new Error('quota') }, ctx);
  t.deepEqual(failed.memory, { ...memory(), attempts: 3, retryAt: ctx.now + 4_000, createError: 'failed to create LimaVM "rd": quota' });
  t.deepEqual(failed.log, [{ level: 'warn', fields: { err: 'quota', retryInMs: 4_000 }, msg: 'LimaVM create failed' }]);
  const ok = foldApp(failed.memory, { kind: 'createVM', template: 'T' }, { ok: true, value: {} }, ctx);
  t.deepEqual(ok.memory, memory());
});

test('a template Lima rejects is TemplateInvalid; any other failed sync is TemplateSyncFailed', (t) => {
  const invalid = foldApp(memory(), sync, { ok: false, error: errors.invalid('ConfigMap', 'rd-template', [{ message: 'bad cpus' }]) }, ctx);
  t.like(invalid.memory.stepFailure, { action: 'op:syncTemplate', generation: 4, reason: 'TemplateInvalid' });
  t.regex(invalid.memory.stepFailure?.message ?? '', /^Lima rejects the App's template: .*bad cpus; change the App spec \(rdd set\)/);
  const write = foldApp(memory(), sync, { ok: false, error: errors.unavailable('store busy') }, ctx);
  t.like(write.memory.stepFailure, { reason: 'TemplateSyncFailed', message: 'cannot update ConfigMap default/rd-template with the App\'s template: store busy; retrying' });
});

test('a successful operation clears its own recorded failure, and only its own', (t) => {
  const own = { action: 'op:syncTemplate', generation: 4, reason: 'TemplateInvalid', message: 'm', retryAt: 9 };
  t.is(foldApp(memory({ stepFailure: own }), sync, { ok: true, value: {} }, ctx).memory.stepFailure, undefined);
  const other = { ...own, action: 'ensureInputConfigMap' };
  const kept = memory({ stepFailure: other });
  t.is(foldApp(kept, sync, { ok: true, value: {} }, ctx).memory, kept);
});
