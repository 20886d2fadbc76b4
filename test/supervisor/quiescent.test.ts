// kernel.quiescent(): resolves only once nothing will happen soon. Each test starts work that
// finishes on its own a little later (outside the kernel, on a timer, across event-loop turns) and
// checks, right after quiescent() resolves, that all of it has happened: a quiescent() that
// resolves too early fails these.
import test from 'ava';
import { isKernelError, type ActorRef, type Behavior } from '../../src/supervisor/index.js';
import { count, deferred, kernelFor } from './helpers.js';

/** Resolves after `ms` of real time, outside the kernel (a child process, a file, a socket). */
const later = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type M = { t: 'go' } | { t: 'piped' } | { t: 'tick' } | { t: 'hop'; to: ActorRef<M> } | { t: 'boom' };

function worker(seen: string[], timerMs: number): Behavior<null, M> {
  return {
    init: () => null,
    receive(s, m, ctx) {
      seen.push(m.t);
      switch (m.t) {
        case 'go':
          ctx.pipeToSelf(later(30), () => ({ t: 'piped' }));
          break;
        case 'piped':
          ctx.timers.once('t', { t: 'tick' }, timerMs);
          break;
        case 'hop': {
          // Like the store feed -> router -> tell: the next message is sent a few turns later.
          const to = m.to;
          setImmediate(() => setImmediate(() => to.tell({ t: 'tick' })));
          break;
        }
        case 'boom':
          throw new Error('boom');
        case 'tick':
          break;
      }
      return s;
    },
  };
}

test('waits for a pipeToSelf in flight and the timer it arms (real clock)', async (t) => {
  const { k } = kernelFor(t);
  const seen: string[] = [];
  const a = k.spawn({ name: 'a', behavior: worker(seen, 50) });
  a.tell({ t: 'go' });
  await k.quiescent({ horizonMs: 1000 });
  t.deepEqual(seen, ['go', 'piped', 'tick']);
  t.deepEqual(k.activity(), { queued: 0, running: 0, inFlight: 0, nextTimerAt: undefined });
});

test('a timer beyond the horizon does not count; one within it does (manual clock)', async (t) => {
  const { k, clock } = kernelFor(t, { manual: true });
  const seen: string[] = [];
  const a = k.spawn({ name: 'a', behavior: worker(seen, 500) });
  a.tell({ t: 'go' });
  // Nothing is due within 100 ms once the piped result has armed the 500 ms timer.
  await k.quiescent({ horizonMs: 100 });
  t.deepEqual(seen, ['go', 'piped']);
  t.is(k.activity().nextTimerAt, clock!.now() + 500);
  // Within a 1000 ms horizon it is work: the manual clock never moves by itself, so this gives up.
  const err = await t.throwsAsync(k.quiescent({ horizonMs: 1000, timeoutMs: 200 }));
  t.true(isKernelError(err, 'NotQuiescent'));
  t.regex(err.message, /not quiescent within 200 ms .*next timer in 500 ms/);
  clock!.advance(500);
  await k.quiescent({ horizonMs: 1000 });
  t.deepEqual(seen, ['go', 'piped', 'tick']);
});

test('work that hops event-loop turns outside the kernel is waited for', async (t) => {
  const { k } = kernelFor(t);
  const seen: string[] = [];
  const seenB: string[] = [];
  const a = k.spawn({ name: 'a', behavior: worker(seen, 0) });
  const b = k.spawn({ name: 'b', behavior: worker(seenB, 0) });
  for (let i = 0; i < 5; i++) {
    a.tell({ t: 'hop', to: b });
    await k.quiescent();
    t.is(seenB.length, i + 1, `hop ${i}`);
  }
});

// quiescent() is called while the kernel is idle, and the message arrives two turns later (as the
// store's feed reaches the router): one idle look is not enough, it must stay idle for `turns`.
test('a message sent a few event-loop turns after an idle moment is waited for', async (t) => {
  const { k } = kernelFor(t);
  const seen: string[] = [];
  const b = k.spawn({ name: 'b', behavior: worker(seen, 0) });
  await k.quiescent();
  for (let i = 0; i < 5; i++) {
    setImmediate(() => setImmediate(() => b.tell({ t: 'tick' })));
    await k.quiescent();
    t.is(seen.length, i + 1, `tell ${i}`);
  }
});

test('waits for an async init, a restart backoff and a slow finalize', async (t) => {
  const { k, events } = kernelFor(t, { defaults: { backoff: { minMs: 40, maxMs: 40, jitter: 0, resetAfterMs: 60_000 } } });
  const finalized = deferred();
  let finalizes = 0;
  const seen: string[] = [];
  const base = worker(seen, 0);
  const a = k.spawn<null, M>({
    name: 'a',
    behavior: {
      ...base,
      init: async () => {
        await later(20);
        return null;
      },
      async finalize() {
        await later(20);
        finalizes++;
        if (finalizes === 2) finalized.resolve();
      },
    },
  });
  await k.quiescent();
  t.is(count(events, 'started', a.path), 1);
  a.tell({ t: 'boom' });
  await k.quiescent();
  // Crash -> finalize -> 40 ms backoff -> async init: all of it done.
  t.is(count(events, 'started', a.path), 2);
  t.is(finalizes, 1);
  void k.stop(a);
  await k.quiescent();
  t.is(finalizes, 2);
  t.false(a.alive);
  await finalized.promise;
});
