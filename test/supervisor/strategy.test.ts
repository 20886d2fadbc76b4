import test from 'ava';
import type { ActorRef, Behavior, ChildSpec, Reason } from '../../src/supervisor/index.js';
import { count, deferred, kernelFor, until } from './helpers.js';

type Msg = { t: 'boom' };

function family(strategy: ChildSpec<null, never>['strategy'], temporary: string[] = []) {
  const log: string[] = [];
  const refs = deferred<Map<string, ActorRef<Msg>>>();
  const child = (name: string): Behavior<null, Msg> => ({
    init: (ctx) => {
      log.push(`init ${name}#${ctx.self.incarnation}`);
      return null;
    },
    receive: () => {
      throw new Error(`${name} failed`);
    },
    finalize: (_s, reason: Reason) => {
      log.push(`finalize ${name} ${typeof reason === 'string' ? reason : 'error'}`);
    },
  });
  const spec: ChildSpec<null, never> = {
    name: 'sup',
    ...(strategy ? { strategy } : {}),
    behavior: {
      init: (ctx) => {
        const m = new Map<string, ActorRef<Msg>>();
        for (const n of ['a', 'b', 'c', 'd']) {
          m.set(n, ctx.spawn({
            name: n,
            behavior: child(n),
            backoff: { minMs: 50, maxMs: 50, jitter: 0, resetAfterMs: 1e9 },
            ...(temporary.includes(n) ? { restart: 'temporary' as const } : {}),
          }));
        }
        refs.resolve(m);
        return null;
      },
      receive: (s) => s,
    },
  };
  return { spec, refs: refs.promise, log };
}

const incarnations = (m: Map<string, ActorRef<Msg>>) => [...m.values()].map((r) => r.incarnation);

test('one_for_one restarts only the crashed child', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  const f = family('one_for_one');
  k.spawn(f.spec);
  const refs = await f.refs;
  await until(() => count(events, 'started') === 5, 'tree up');
  refs.get('b')!.tell({ t: 'boom' });
  await until(() => count(events, 'restarting') === 1, 'restart scheduled');
  clock!.advance(50);
  await until(() => count(events, 'started') === 6, 'b back');
  t.deepEqual(incarnations(refs), [0, 1, 0, 0]);
});

test('one_for_all restarts every sibling: ended in reverse creation order, started in creation order', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  const f = family('one_for_all');
  k.spawn(f.spec);
  const refs = await f.refs;
  await until(() => count(events, 'started') === 5, 'tree up');
  f.log.length = 0;
  refs.get('b')!.tell({ t: 'boom' });
  await until(() => count(events, 'restarting') === 4, 'all four scheduled');
  t.deepEqual(f.log, ['finalize d shutdown', 'finalize c shutdown', 'finalize b error', 'finalize a shutdown']);
  const restarting = events.filter((e) => e.type === 'restarting') as Array<{ path: string; trigger: string; delayMs: number }>;
  t.deepEqual(restarting.map((e) => e.path), ['/user/sup/a', '/user/sup/b', '/user/sup/c', '/user/sup/d']);
  t.true(restarting.every((e) => e.trigger === '/user/sup/b' && e.delayMs === 50));
  clock!.advance(50);
  await until(() => count(events, 'started') === 9, 'all back');
  t.deepEqual(f.log.slice(4), ['init a#1', 'init b#1', 'init c#1', 'init d#1']);
  t.deepEqual(incarnations(refs), [1, 1, 1, 1]);
  // Only the crashed child's intensity counted the crash.
  t.is(count(events, 'crashed'), 1);
});

test('rest_for_one restarts the crashed child and those created after it, nothing before', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  const f = family('rest_for_one');
  k.spawn(f.spec);
  const refs = await f.refs;
  await until(() => count(events, 'started') === 5, 'tree up');
  f.log.length = 0;
  refs.get('c')!.tell({ t: 'boom' });
  await until(() => count(events, 'restarting') === 2, 'c and d scheduled');
  t.deepEqual(f.log, ['finalize d shutdown', 'finalize c error']);
  clock!.advance(50);
  await until(() => count(events, 'started') === 7, 'c and d back');
  t.deepEqual(incarnations(refs), [0, 0, 1, 1]);
});

test('under one_for_all a temporary sibling is stopped, not restarted', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  const f = family('one_for_all', ['d']);
  k.spawn(f.spec);
  const refs = await f.refs;
  await until(() => count(events, 'started') === 5, 'tree up');
  refs.get('a')!.tell({ t: 'boom' });
  t.is(await refs.get('d')!.stopped, 'shutdown');
  await until(() => count(events, 'restarting') === 3, 'a, b, c scheduled');
  clock!.advance(50);
  await until(() => count(events, 'started') === 8, 'a, b, c back');
  t.deepEqual(incarnations(refs), [1, 1, 1, 0]);
  t.false(refs.get('d')!.alive);
});
