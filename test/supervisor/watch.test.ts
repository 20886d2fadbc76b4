import test from 'ava';
import { isKernelError, type ActorRef, type Behavior, type Terminated } from '../../src/supervisor/index.js';
import { count, deferred, kernelFor, until } from './helpers.js';

const idle: Behavior<null, never> = { init: () => null, receive: (s) => s };

type WMsg = { t: 'watch'; ref: ActorRef<never> } | { t: 'unwatch'; ref: ActorRef<never> } | { t: 'sync'; reply: (n: number) => void };

function watcher(heard: Terminated[]): Behavior<null, WMsg> {
  return {
    init: () => null,
    receive: (s, m, ctx) => {
      if (m.t === 'watch') ctx.watch(m.ref);
      else if (m.t === 'unwatch') ctx.unwatch(m.ref);
      else m.reply(heard.length);
      return s;
    },
    onTerminated: (s, ev) => {
      heard.push(ev);
      return s;
    },
  };
}

const sync = (k: import('../../src/supervisor/index.js').Kernel, w: ActorRef<WMsg>) =>
  k.ask(w, (reply: (n: number) => void): WMsg => ({ t: 'sync', reply }), 5000);

test('a watch registered after the death still delivers Terminated, at once', async (t) => {
  const { k } = kernelFor(t);
  const target = k.spawn({ name: 'target', behavior: idle });
  await k.stop(target, { reason: 'deleted' });
  const heard: Terminated[] = [];
  const w = k.spawn({ name: 'w', behavior: watcher(heard) });
  w.tell({ t: 'watch', ref: target });
  await until(() => heard.length === 1, 'late notice');
  t.is(heard[0]!.path, '/user/target');
  t.is(heard[0]!.reason, 'deleted');
  t.is(heard[0]!.ref, target);
});

test('watching is idempotent and unwatch stops the notice', async (t) => {
  const { k } = kernelFor(t);
  const a = k.spawn({ name: 'a', behavior: idle });
  const b = k.spawn({ name: 'b', behavior: idle });
  const heard: Terminated[] = [];
  const w = k.spawn({ name: 'w', behavior: watcher(heard) });
  w.tell({ t: 'watch', ref: a });
  w.tell({ t: 'watch', ref: a });
  w.tell({ t: 'watch', ref: b });
  w.tell({ t: 'unwatch', ref: b });
  await sync(k, w);
  await Promise.all([k.stop(a), k.stop(b)]);
  await until(() => heard.length === 1, 'one notice');
  t.is(await sync(k, w), 1);
  t.deepEqual(heard.map((e) => e.path), ['/user/a']);
});

test('a parent always hears of its children, with the reason, even without watching', async (t) => {
  const { k } = kernelFor(t);
  const heard: Terminated[] = [];
  const kids = deferred<ActorRef<never>[]>();
  type M = { t: 'stop-all' };
  const p = k.spawn<ActorRef<never>[], M>({
    name: 'p',
    behavior: {
      init: (ctx) => {
        const refs = ['x', 'y', 'z'].map((n) => ctx.spawn({ name: n, behavior: idle }));
        kids.resolve(refs);
        return refs;
      },
      receive: (s, _m, ctx) => {
        void ctx.stop(s[0]!, { reason: 'deleted' });
        void ctx.stop(s[1]!, { reason: 'shutdown' });
        void ctx.stop(s[2]!);
        return s;
      },
      onTerminated: (s, ev) => {
        heard.push(ev);
        return s;
      },
    },
  });
  await kids.promise;
  p.tell({ t: 'stop-all' });
  await until(() => heard.length === 3, 'three notices');
  t.deepEqual(
    heard.map((e) => [e.path, e.reason]).sort(),
    [
      ['/user/p/x', 'deleted'],
      ['/user/p/y', 'shutdown'],
      ['/user/p/z', 'normal'],
    ],
  );
});

test('an actor may stop only itself or its own children', async (t) => {
  const { k } = kernelFor(t);
  const stranger = k.spawn({ name: 'stranger', behavior: idle });
  const outcome = deferred<string>();
  k.spawn<null, never>({
    name: 'meddler',
    behavior: {
      init: (ctx) => {
        try {
          void ctx.stop(stranger);
          outcome.resolve('allowed');
        } catch (e) {
          outcome.resolve(isKernelError(e, 'NotAChild') ? e.message : `not a NotAChild KernelError: ${String(e)}`);
        }
        return null;
      },
      receive: (s) => s,
    },
  });
  t.regex(await outcome.promise, /may stop only itself or its own children/);
  t.true(stranger.alive);
});

test('a restarted watcher does not hear about watches of its previous incarnation', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  const target = k.spawn({ name: 'target', behavior: idle });
  const heard: Terminated[] = [];
  type M = WMsg | { t: 'boom' };
  const base = watcher(heard);
  const w = k.spawn<null, M>({
    name: 'w',
    backoff: { minMs: 5, maxMs: 5, jitter: 0, resetAfterMs: 1e9 },
    behavior: {
      init: () => null,
      receive: (s, m, ctx) => {
        if (m.t === 'boom') throw new Error('boom');
        return base.receive(s, m, ctx as never) as null;
      },
      onTerminated: base.onTerminated!,
    },
  });
  w.tell({ t: 'watch', ref: target });
  w.tell({ t: 'boom' });
  await until(() => count(events, 'restarting') === 1, 'restart');
  clock!.advance(5);
  await until(() => w.incarnation === 1 && count(events, 'started', '/user/w') === 2, 'back');
  await k.stop(target);
  t.is(await sync(k, w as unknown as ActorRef<WMsg>), 0);
});
