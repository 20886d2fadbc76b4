import test from 'ava';
import { isKernelError, type Behavior } from '../../src/supervisor/index.js';
import { count, deferred, kernelFor, until } from './helpers.js';

type Msg = { t: 'add'; v: number } | { t: 'get'; reply: (s: number[]) => void };

const recorder = (init: () => number[] | Promise<number[]>): Behavior<number[], Msg> => ({
  init,
  receive: (s, m) => {
    if (m.t === 'get') {
      m.reply(s);
      return s;
    }
    return [...s, m.v];
  },
});

test('async init: mail is stashed meanwhile and replayed in order before later mail', async (t) => {
  const { k } = kernelFor(t);
  const gate = deferred<number[]>();
  const a = k.spawn({ name: 'a', behavior: recorder(() => gate.promise) });
  for (let v = 1; v <= 50; v++) a.tell({ t: 'add', v });
  const p = k.ask(a, (reply: (s: number[]) => void): Msg => ({ t: 'get', reply }), 10_000);
  // Everything is held until init resolves.
  await new Promise((r) => setImmediate(r));
  gate.resolve([0]);
  const got = await p;
  t.deepEqual(got, Array.from({ length: 51 }, (_, i) => i));
  a.tell({ t: 'add', v: 51 });
  t.is((await k.ask(a, (reply: (s: number[]) => void): Msg => ({ t: 'get', reply }), 10_000)).at(-1), 51);
});

test('stash overflow goes to dead letters; the stashed part is kept in order', async (t) => {
  const { k, events } = kernelFor(t);
  const gate = deferred<number[]>();
  const a = k.spawn({ name: 'a', stashCapacity: 3, behavior: recorder(() => gate.promise) });
  for (let v = 1; v <= 5; v++) a.tell({ t: 'add', v });
  await until(() => k.deadLetters.count === 2, 'two overflowed messages');
  // An ask whose request overflows fails at once (StashFull), instead of waiting for its timeout.
  const err = await t.throwsAsync(k.ask(a, (reply: (s: number[]) => void): Msg => ({ t: 'get', reply }), 600_000));
  t.true(isKernelError(err, 'StashFull'));
  gate.resolve([]);
  await until(() => count(events, 'started') === 1, 'init done');
  const got = await k.ask(a, (reply: (s: number[]) => void): Msg => ({ t: 'get', reply }), 10_000);
  t.deepEqual(got, [1, 2, 3]);
  t.is(k.deadLetters.count, 3);
});

test('a receive that returns undefined counts as a failure and restarts the actor', async (t) => {
  const { k, events } = kernelFor(t, { defaults: { backoff: { minMs: 0, maxMs: 0, jitter: 0, resetAfterMs: 0 } } });
  type M = { t: 'forget' } | { t: 'get'; reply: (n: number) => void };
  const a = k.spawn<number, M>({
    name: 'forgetful',
    behavior: {
      init: () => 7,
      // @ts-expect-error -- the bug under test: a branch that forgets to return the state
      receive: (s, m) => {
        if (m.t === 'get') {
          m.reply(s);
          return s;
        }
      },
    },
  });
  a.tell({ t: 'forget' });
  await until(() => a.incarnation === 1, 'restart');
  const crash = events.find((e) => e.type === 'crashed');
  t.regex(String((crash as { error: Error }).error.message), /receive of actor \/user\/forgetful returned undefined/);
  t.is(await k.ask(a, (reply: (n: number) => void): M => ({ t: 'get', reply }), 10_000), 7);
});

test('an init that returns undefined or throws is a crash, retried through the mailbox', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  let calls = 0;
  const a = k.spawn<number, Msg>({
    name: 'bad-init',
    backoff: { minMs: 100, maxMs: 100, jitter: 0, resetAfterMs: 0 },
    intensity: { max: 10, withinMs: 60_000 },
    behavior: {
      init: () => {
        calls++;
        if (calls === 1) return undefined as unknown as number;
        if (calls === 2) throw new Error('no disk');
        return 1;
      },
      receive: (s) => s,
    },
  });
  await until(() => count(events, 'restarting') === 1, 'first restart');
  clock!.advance(100);
  await until(() => count(events, 'restarting') === 2, 'second restart');
  clock!.advance(100);
  await until(() => count(events, 'started') === 1, 'third init succeeds');
  t.is(calls, 3);
  t.is(a.incarnation, 2);
  t.true(a.alive);
});

test('a stop during a restart backoff is handled at once, not after the delay', async (t) => {
  const { k, events } = kernelFor(t, { manual: true });
  let finalized = 0;
  const a = k.spawn<number, Msg>({
    name: 'always-fails',
    backoff: { minMs: 60_000, maxMs: 60_000, jitter: 0, resetAfterMs: 0 },
    behavior: {
      init: () => {
        throw new Error('broken');
      },
      receive: (s) => s,
      finalize: () => {
        finalized++;
      },
    },
  });
  await until(() => count(events, 'restarting') === 1, 'restart scheduled');
  // No clock advance: the 60 s backoff never elapses, yet the stop completes.
  t.is(await k.stop(a, { reason: 'deleted' }), 'deleted');
  t.is(finalized, 1);
  t.is(a.incarnation, 0);
});

test('a drain stop during an async init waits for init, handles the stash, then stops', async (t) => {
  const { k, events } = kernelFor(t);
  const gate = deferred<number[]>();
  const seen: number[] = [];
  const finalState = deferred<unknown>();
  const a = k.spawn<number[], Msg>({
    name: 'a',
    behavior: {
      init: () => gate.promise,
      receive: (s, m) => {
        if (m.t === 'add') seen.push(m.v);
        return m.t === 'add' ? [...s, m.v] : s;
      },
      finalize: (s) => finalState.resolve(s),
    },
  });
  a.tell({ t: 'add', v: 1 });
  a.tell({ t: 'add', v: 2 });
  await until(() => count(events, 'spawned') === 1, 'spawned');
  const stopped = k.stop(a, { reason: 'deleted' });
  a.tell({ t: 'add', v: 3 }); // after the stop request: a dead letter
  gate.resolve([0]);
  t.is(await stopped, 'deleted');
  t.deepEqual(seen, [1, 2]);
  t.deepEqual(await finalState.promise, [0, 1, 2]);
  await until(() => k.deadLetters.count === 1, 'late mail dead-lettered');
});

test('async handlers of one actor never overlap and keep FIFO order', async (t) => {
  const { k } = kernelFor(t);
  let active = 0;
  let maxActive = 0;
  const order: number[] = [];
  const a = k.spawn<null, number | { t: 'done'; reply: (n: number[]) => void }>({
    name: 'serial',
    behavior: {
      init: () => null,
      receive: async (s, m) => {
        if (typeof m !== 'number') {
          m.reply(order);
          return s;
        }
        active++;
        maxActive = Math.max(maxActive, active);
        // Yield to the event loop several times inside one message.
        for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
        order.push(m);
        active--;
        return s;
      },
    },
  });
  for (let i = 0; i < 50; i++) a.tell(i);
  const got = await k.ask(a, (reply: (n: number[]) => void) => ({ t: 'done' as const, reply }), 10_000);
  t.deepEqual(got, Array.from({ length: 50 }, (_, i) => i));
  t.is(maxActive, 1);
});
