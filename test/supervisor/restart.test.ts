import test from 'ava';
import type { ActorRef, Behavior, ChildSpec, Kernel, Terminated } from '../../src/supervisor/index.js';
import { count, deferred, kernelFor, until } from './helpers.js';

type Msg = { t: 'add'; v: number } | { t: 'boom' } | { t: 'exit'; error?: boolean } | { t: 'get'; reply: (s: number[]) => void };

const crashy: Behavior<number[], Msg> = {
  init: () => [],
  receive: (s, m, ctx) => {
    switch (m.t) {
      case 'boom':
        throw new Error('boom');
      case 'exit':
        void ctx.stop(ctx.self, { reason: m.error === true ? { error: new Error('gave up') } : 'normal' });
        return s;
      case 'get':
        m.reply(s);
        return s;
      case 'add':
        return [...s, m.v];
    }
  },
};

const get = (k: Kernel, a: ActorRef<Msg>) => k.ask(a, (reply: (s: number[]) => void): Msg => ({ t: 'get', reply }), 10_000);
const fixed = (ms: number) => ({ minMs: ms, maxMs: ms, jitter: 0, resetAfterMs: 1e9 });

test('a crash restarts the actor with fresh state, the same ref, and replays the stash in order', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  const a = k.spawn({ name: 'a', backoff: fixed(500), behavior: crashy });
  a.tell({ t: 'add', v: 1 });
  a.tell({ t: 'add', v: 2 });
  a.tell({ t: 'boom' });
  // Queued behind the crash: stashed during the restart, replayed in order afterwards.
  for (let v = 3; v <= 6; v++) a.tell({ t: 'add', v });
  await until(() => count(events, 'restarting') === 1, 'restart scheduled');
  t.is(a.incarnation, 0);
  clock!.advance(500);
  t.deepEqual(await get(k, a), [3, 4, 5, 6]);
  t.is(a.incarnation, 1);
  t.true(a.alive);
});

test('backoff grows exponentially with injected jitter and resets after a healthy run', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true, random: () => 0.5 });
  const a = k.spawn({
    name: 'a',
    backoff: { minMs: 100, maxMs: 350, jitter: 0.2, resetAfterMs: 10_000 },
    intensity: { max: 100, withinMs: 1000 },
    behavior: crashy,
  });
  const delays = () => events.filter((e) => e.type === 'restarting').map((e) => (e as { delayMs: number }).delayMs);
  const crashAndRestart = async (n: number) => {
    await until(() => count(events, 'started') === n, `incarnation ${n - 1} started`);
    a.tell({ t: 'boom' });
    await until(() => count(events, 'restarting') === n, `restart ${n} scheduled`);
    clock!.advance(delays().at(-1)!);
  };
  for (let n = 1; n <= 4; n++) await crashAndRestart(n);
  // min(350, 100 * 2^(n-1)) * (1 + 0.2 * 0.5)
  t.deepEqual(delays(), [110, 220, 385, 385]);
  await until(() => count(events, 'started') === 5, 'running again');
  clock!.advance(10_000); // healthy for resetAfterMs
  await crashAndRestart(5);
  t.is(delays().at(-1), 110);
  const attempts = events.filter((e) => e.type === 'restarting').map((e) => (e as { attempt: number }).attempt);
  t.deepEqual(attempts, [1, 2, 3, 4, 1]);
});

test('past the intensity limit the actor stops with the error and its watchers are told', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  const a = k.spawn({ name: 'a', backoff: fixed(10), intensity: { max: 2, withinMs: 1000 }, behavior: crashy });
  const heard = deferred<Terminated>();
  k.spawn<null, never>({
    name: 'watcher',
    behavior: {
      init: (ctx) => {
        ctx.watch(a);
        return null;
      },
      receive: (s) => s,
      onTerminated: (s, ev) => {
        heard.resolve(ev);
        return s;
      },
    },
  });
  await until(() => count(events, 'started', '/user/watcher') === 1, 'watcher up');
  for (let n = 1; n <= 3; n++) {
    await until(() => count(events, 'started', '/user/a') === n, `a incarnation ${n - 1}`);
    a.tell({ t: 'boom' });
    if (n < 3) {
      await until(() => count(events, 'restarting') === n, 'restart');
      clock!.advance(10);
    }
  }
  const ev = await heard.promise;
  t.is(ev.path, '/user/a');
  t.is((ev.reason as { error: Error }).error.message, 'boom');
  t.deepEqual(
    events.filter((e) => e.type === 'intensity_exceeded'),
    [{ type: 'intensity_exceeded', path: '/user/a', max: 2, withinMs: 1000 }],
  );
  t.false(a.alive);
  t.is(await a.stopped, ev.reason);
});

test('crashes spread wider than the window never exhaust the intensity', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  const a = k.spawn({ name: 'a', backoff: fixed(10), intensity: { max: 1, withinMs: 1000 }, behavior: crashy });
  for (let n = 1; n <= 4; n++) {
    await until(() => count(events, 'started') === n, `incarnation ${n - 1}`);
    clock!.advance(1000);
    a.tell({ t: 'boom' });
    await until(() => count(events, 'restarting') === n, 'restart');
    clock!.advance(10);
  }
  await until(() => count(events, 'started') === 5, 'running');
  t.is(a.incarnation, 4);
  t.is(count(events, 'intensity_exceeded'), 0);
});

/** A parent that hands its child's ref to the test and records what it hears. */
function parentWith(child: Partial<ChildSpec<number[], Msg>>, opts: { onExhausted?: 'stop' | 'escalate' } = {}) {
  const childRef = deferred<ActorRef<Msg>>();
  const heard: Terminated[] = [];
  const inits: number[] = [];
  const spec: ChildSpec<null, never> = {
    name: 'p',
    backoff: fixed(10),
    behavior: {
      init: (ctx) => {
        inits.push(ctx.self.incarnation);
        childRef.resolve(ctx.spawn({ name: 'c', behavior: crashy, ...(opts.onExhausted ? { onExhausted: opts.onExhausted } : {}), ...child }));
        return null;
      },
      receive: (s) => s,
      onTerminated: (s, ev) => {
        heard.push(ev);
        return s;
      },
    },
  };
  return { spec, childRef: childRef.promise, heard, inits };
}

test('a temporary child is never restarted: it stops and its parent hears {error}', async (t) => {
  const { k, events } = kernelFor(t, { manual: true });
  const p = parentWith({ restart: 'temporary' });
  k.spawn(p.spec);
  const c = await p.childRef;
  c.tell({ t: 'boom' });
  await until(() => p.heard.length === 1, 'parent told');
  t.is((p.heard[0]!.reason as { error: Error }).error.message, 'boom');
  t.is(count(events, 'restarting'), 0);
  t.false(c.alive);
});

test('onExhausted stop: the parent only hears of it; escalate: the parent crashes with the child error', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  const quiet = parentWith({ intensity: { max: 0, withinMs: 1000 } }, { onExhausted: 'stop' });
  const loud = parentWith({ intensity: { max: 0, withinMs: 1000 } }, { onExhausted: 'escalate' });
  k.spawn(quiet.spec);
  k.spawn({ ...loud.spec, name: 'q' });
  (await quiet.childRef).tell({ t: 'boom' });
  (await loud.childRef).tell({ t: 'boom' });
  await until(() => quiet.heard.length === 1, 'quiet parent told');
  t.is(count(events, 'crashed', '/user/p'), 0);
  await until(() => count(events, 'restarting', '/user/q') === 1, 'loud parent restarting');
  const parentCrash = events.find((e) => e.type === 'crashed' && e.path === '/user/q') as { error: Error };
  t.is(parentCrash.error.message, 'boom');
  t.deepEqual(loud.heard, []); // the escalation is a crash, not a notice
  clock!.advance(10);
  await until(() => loud.inits.length === 2, 'loud parent re-initialised');
  t.deepEqual(loud.inits, [0, 1]);
  await until(() => count(events, 'started', '/user/q/c') === 2, 'its child respawned by the new init');
});

test('restart types on self-exit: permanent restarts, transient only on error, temporary never', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  const perm = k.spawn({ name: 'perm', restart: 'permanent', backoff: fixed(10), behavior: crashy });
  const trans = k.spawn({ name: 'trans', restart: 'transient', backoff: fixed(10), behavior: crashy });
  const transErr = k.spawn({ name: 'trans-err', restart: 'transient', backoff: fixed(10), behavior: crashy });
  const temp = k.spawn({ name: 'temp', restart: 'temporary', backoff: fixed(10), behavior: crashy });
  await until(() => count(events, 'started') === 4, 'all up');
  perm.tell({ t: 'exit' });
  trans.tell({ t: 'exit' });
  transErr.tell({ t: 'exit', error: true });
  temp.tell({ t: 'exit', error: true });
  t.is(await trans.stopped, 'normal');
  t.is(((await temp.stopped) as { error: Error }).error.message, 'gave up');
  await until(() => count(events, 'restarting') === 2, 'two restarts');
  clock!.advance(10);
  await until(() => perm.incarnation === 1 && transErr.incarnation === 1, 'restarted');
  t.true(perm.alive && transErr.alive);
  t.deepEqual(events.filter((e) => e.type === 'restarting').map((e) => e.path).sort(), ['/user/perm', '/user/trans-err']);
});
