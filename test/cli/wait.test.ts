// The wait predicates and the progress display, on plain objects.
import test from 'ava';
import { Writable } from 'node:stream';
import type { Condition, Resource } from '../../src/api/index.js';
import { FailureTracker, appSettled, conditionReached, gone, resetDone, restartCountAbove } from '../../src/cli/wait/predicates.js';
import { createProgress, transitionLine } from '../../src/cli/wait/progress.js';
import { TransitionLog } from '../../src/cli/wait/wait.js';

const c = (type: string, status: Condition['status'], reason: string, message = '', observedGeneration?: number, lastTransitionTime = '2025-01-01T00:00:00Z'): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime,
  ...(observedGeneration !== undefined ? { observedGeneration } : {}),
});

const obj = (conditions: Condition[], o: { generation?: number; uid?: string; status?: Record<string, unknown>; annotations?: Record<string, string>; running?: boolean } = {}): Resource => ({
  apiVersion: 'v',
  kind: 'LimaVM',
  metadata: {
    name: 'x',
    uid: o.uid ?? 'u1',
    resourceVersion: '1',
    generation: o.generation ?? 1,
    creationTimestamp: '',
    ...(o.annotations ? { annotations: o.annotations } : {}),
  },
  spec: { running: o.running ?? true },
  status: { ...o.status, conditions },
});

test('appSettled: only Settled at the written generation counts; failures end early', (t) => {
  const check = appSettled(3);
  t.is(check(obj([c('Settled', 'True', 'Settled', '', 2)])).kind, 'wait', 'an older generation is stale');
  t.is(check(obj([c('Settled', 'False', 'StartFailed', 'boom', 2)])).kind, 'wait', 'an old failure does not count');
  t.is(check(obj([c('Settled', 'False', 'Starting', '', 3)])).kind, 'wait');
  t.is(check(obj([c('Settled', 'True', 'Settled', '', 3)])).kind, 'done');
  t.is(check(obj([c('Settled', 'True', 'Settled', '', 4)])).kind, 'done');
  t.deepEqual(check(obj([c('Settled', 'False', 'CreateFailed', 'no image', 3)])), { kind: 'failed', message: 'the App failed to settle: no image (CreateFailed)' });
  t.is(check(obj([c('Settled', 'False', 'InstanceExists', 'there', 3)])).kind, 'failed');
  // Issue 11: a foreign rd, a template Lima rejects, a gave-up VM actor end the wait at once.
  t.is(check(obj([c('Settled', 'False', 'NameConflict', 'LimaVM default/rd …', 3)])).kind, 'failed');
  t.is(check(obj([c('Settled', 'False', 'TemplateInvalid', 'Lima rejects …', 3)])).kind, 'failed');
  t.is(check(obj([c('Settled', 'False', 'LimaVMActorFailed', 'gave up', 3)])).kind, 'failed');
  t.is(check(undefined).kind, 'failed');
});

test('conditionReached with an armed tracker fails on a current failure, not on an old one', (t) => {
  const base = obj([c('Running', 'False', 'StartFailed', 'old', 1)], { generation: 1 });
  const tracker = new FailureTracker(base, { armed: true, generation: 2, types: ['Created', 'Running'] });
  const check = conditionReached('LimaVM "x"', { type: 'Running', status: 'True' }, tracker, 2);
  t.is(check(base).kind, 'wait', 'a failure at generation 1 is not about this write');
  t.is(check(obj([c('Running', 'False', 'Starting', '', 2)])).kind, 'wait');
  t.deepEqual(check(obj([c('Running', 'False', 'StartFailed', 'exec failed', 2)])), {
    kind: 'failed',
    message: 'LimaVM "x" failed: Running=False (StartFailed): exec failed',
  });
  t.is(check(obj([c('Running', 'True', 'Started', '', 1)])).kind, 'wait', 'True at an older generation is stale');
  t.is(check(obj([c('Running', 'True', 'Started', '', 2)])).kind, 'done');
  const stopped = conditionReached('vm', { type: 'Running', status: 'False', reason: 'Stopped' }, new FailureTracker(undefined, { armed: true, generation: 2 }), 2);
  t.is(stopped(obj([c('Running', 'False', 'Starting', '', 2)])).kind, 'wait', 'stop waits for reason Stopped, not any False');
  t.is(stopped(obj([c('Running', 'False', 'Stopped', '', 2)])).kind, 'done');
  t.is(stopped(obj([c('Running', 'False', 'StopFailed', 'stuck', 2)])).kind, 'failed');
});

test('a disarmed tracker ignores the failure it started with until that condition changes', (t) => {
  const failedBefore = c('Running', 'False', 'StartFailed', 'crash loop', 1, '2025-01-01T00:00:00Z');
  const tracker = new FailureTracker(obj([failedBefore]), { armed: false });
  const check = restartCountAbove('vm', 4, tracker);
  t.is(check(obj([failedBefore], { status: { restartCount: 4 } })).kind, 'wait');
  t.is(check(obj([c('Running', 'False', 'Stopped', '', 1)], { status: { restartCount: 4 } })).kind, 'wait');
  // The same failure again, after a change: now it counts.
  t.is(check(obj([failedBefore], { status: { restartCount: 4 } })).kind, 'failed');
  t.is(new FailureTracker(undefined, { armed: false }).failure(obj([c('Created', 'False', 'CreateFailed', 'x')]))?.reason, 'CreateFailed');
  t.is(restartCountAbove('vm', 4, new FailureTracker(undefined, { armed: true }))(obj([], { status: { restartCount: 5 } })).kind, 'done');
});

test('resetDone follows the reset through its steps', (t) => {
  const ann = { 'lima.rancherdesktop.io/resetRequested': 'now' };
  const up = [c('Created', 'True', 'Created'), c('Running', 'True', 'Started')];
  const check = resetDone('vm', new FailureTracker(obj(up), { armed: false }));
  t.is(check(obj(up, { annotations: ann })).kind, 'wait', 'requested');
  t.is(check(obj(up, { annotations: ann, status: { resetNeeded: true } })).kind, 'wait', 'taken');
  t.is(check(obj(up, { status: { resetNeeded: true } })).kind, 'wait', 'annotation removed, still pending');
  t.is(check(obj([c('Created', 'Unknown', 'Pending'), c('Running', 'False', 'Stopped')], { status: { resetNeeded: false } })).kind, 'wait');
  t.is(check(obj([c('Created', 'True', 'Created'), c('Running', 'False', 'Starting')])).kind, 'wait', 'must run again');
  t.is(check(obj(up)).kind, 'done');
  t.is(check(obj([c('Created', 'True', 'Created'), c('Running', 'False', 'Stopped')], { running: false })).kind, 'done', 'a stopped VM is done once created');
  t.is(check(obj([c('Created', 'False', 'CreateFailed', 'bad')])).kind, 'failed');
});

test('gone: absent, or another object under the name', (t) => {
  const check = gone('u1');
  t.is(check(obj([])).kind, 'wait');
  t.is(check(undefined).kind, 'done');
  t.is(check(obj([], { uid: 'u2' })).kind, 'done');
});

test('TransitionLog shows each change once, skipping stale generations', (t) => {
  const log = new TransitionLog(2);
  t.deepEqual(log.lines(obj([c('Settled', 'False', 'Starting', 'wait', 2), c('Running', 'False', 'Starting', 'boot', 1)])), ['Settled=False: wait (Starting)']);
  t.deepEqual(log.lines(obj([c('Settled', 'False', 'Starting', 'wait', 2), c('Running', 'True', 'Started', 'up', 2)])), ['Running=True: up (Started)']);
  t.deepEqual(log.lines(obj([c('Running', 'True', 'Started', 'up', 2), c('Settled', 'True', 'Settled', 'ok', 2)])), ['Settled=True: ok (Settled)']);
  t.deepEqual(log.lines(obj([c('Settled', 'True', 'Settled', 'ok', 2), c('Created', 'True', 'Created', 'c')])), ['Created=True: c (Created)'], 'unstamped conditions always show; Settled comes last');
});

class Sink extends Writable {
  text = '';
  isTTY = false;
  columns = 80;
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
  // What ora needs of a terminal stream.
  cursorTo(): boolean {
    return true;
  }
  moveCursor(): boolean {
    return true;
  }
  clearLine(): boolean {
    return true;
  }
}

test('progress on a pipe: plain lines, no escapes, no spinner text', async (t) => {
  const sink = new Sink();
  const p = await createProgress({ stream: sink as unknown as NodeJS.WriteStream });
  p.status('Waiting for the App…');
  p.line(transitionLine(c('Running', 'False', 'Starting', 'Lima instance is starting')));
  p.succeed('done');
  p.stop();
  t.is(sink.text, 'Running=False: Lima instance is starting (Starting)\ndone\n');
  t.is(transitionLine(c('Settled', 'True', 'Settled')), 'Settled=True (Settled)');
});

test('progress in a terminal: transitions stay above the spinner', async (t) => {
  const sink = new Sink();
  sink.isTTY = true;
  const p = await createProgress({ stream: sink as unknown as NodeJS.WriteStream, tty: true });
  p.status('Waiting');
  p.line('Running=True: up (Started)');
  p.stop();
  t.true(sink.text.includes('Running=True: up (Started)\n'));
  t.true(sink.text.includes('Waiting'), 'the spinner text was drawn');
  const unsized = new Sink();
  unsized.isTTY = true;
  unsized.columns = 0;
  const u = await createProgress({ stream: unsized as unknown as NodeJS.WriteStream });
  u.status('Waiting');
  u.line('a line');
  u.stop();
  t.is(unsized.text, 'a line\n', 'a terminal without a width gets plain lines (a spinner could not clear itself)');
  const quiet = new Sink();
  (await createProgress({ stream: quiet as unknown as NodeJS.WriteStream, quiet: true })).line('x');
  t.is(quiet.text, '');
});
