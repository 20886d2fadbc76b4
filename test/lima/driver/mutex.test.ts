import test from 'ava';
import { KeyedMutex } from '../../../src/lima/index.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('holders of one key run one at a time, in order', async (t) => {
  const m = new KeyedMutex();
  const log: string[] = [];
  const gate = deferred();
  const a = m.run('dev', undefined, async () => {
    log.push('a+');
    await gate.promise;
    log.push('a-');
  });
  const b = m.run('dev', undefined, async () => {
    log.push('b+');
    log.push('b-');
  });
  await new Promise((r) => setImmediate(r));
  t.deepEqual(log, ['a+']);
  gate.resolve();
  await Promise.all([a, b]);
  t.deepEqual(log, ['a+', 'a-', 'b+', 'b-']);
  t.deepEqual(m.busyKeys(), []);
});

test('different keys run in parallel', async (t) => {
  const m = new KeyedMutex();
  const gate = deferred();
  let bRan = false;
  const a = m.run('one', undefined, () => gate.promise);
  await m.run('two', undefined, async () => {
    bRan = true;
  });
  t.true(bRan);
  t.deepEqual(m.busyKeys(), ['one']);
  gate.resolve();
  await a;
});

test('a waiter whose signal aborts gives up without running, and the queue behind it still waits', async (t) => {
  const m = new KeyedMutex();
  const gate = deferred();
  const log: string[] = [];
  const a = m.run('dev', undefined, async () => {
    await gate.promise;
    log.push('a');
  });
  const ac = new AbortController();
  const b = m.run('dev', ac.signal, async () => {
    log.push('b');
  });
  const c = m.run('dev', undefined, async () => {
    log.push('c');
  });
  ac.abort(new Error('caller gave up'));
  const err = await t.throwsAsync(b);
  t.is(err?.name, 'LockAbortedError');
  t.deepEqual(log, []);
  gate.resolve();
  await Promise.all([a, c]);
  t.deepEqual(log, ['a', 'c']);
});

test('an already aborted signal never takes the lock', async (t) => {
  const m = new KeyedMutex();
  let ran = false;
  await t.throwsAsync(
    m.run('dev', AbortSignal.abort(), async () => {
      ran = true;
    }),
  );
  t.false(ran);
});

test('a holder that throws releases the lock', async (t) => {
  const m = new KeyedMutex();
  await t.throwsAsync(m.run('dev', undefined, () => Promise.reject(new Error('boom'))), { message: 'boom' });
  t.is(await m.run('dev', undefined, () => Promise.resolve(7)), 7);
});
