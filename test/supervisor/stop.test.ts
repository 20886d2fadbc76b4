import test from 'ava';
import { execa } from 'execa';
import type { ActorRef, Behavior, ChildSpec, Reason } from '../../src/supervisor/index.js';
import { count, deferred, kernelFor, until } from './helpers.js';

type Tick = { t: 'tick' } | { t: 'work'; ms?: number } | { t: 'get'; reply: (n: number) => void };

/** A node of a tree that records its lifecycle in `log` and ticks every 10 ms. */
function node(name: string, log: string[], kids: string[][] = []): ChildSpec<number, Tick> {
  return {
    name,
    behavior: {
      init: (ctx) => {
        ctx.timers.every('tick', { t: 'tick' }, 10);
        for (const [k, ...grand] of kids) ctx.spawn(node(k!, log, grand.map((g) => [g])));
        return 0;
      },
      receive: (s, m) => {
        log.push(`receive ${name} ${m.t}`);
        if (m.t === 'get') m.reply(s);
        return s + 1;
      },
      finalize: (_s, reason) => {
        log.push(`finalize ${name} ${String(reason)}`);
      },
    },
  };
}

test('stopping a parent finalizes every descendant once, leaves first, in reverse creation order; nothing runs after', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  const log: string[] = [];
  const root = k.spawn(node('root', log, [['a', 'a1', 'a2'], ['b', 'b1']]));
  await until(() => count(events, 'started') === 6, 'tree up');
  clock!.advance(10); // one tick each
  await until(() => log.filter((l) => l.startsWith('receive')).length === 6, 'ticks handled');
  t.is(clock!.pending, 6);
  log.length = 0;
  t.is(await k.stop(root, { reason: 'deleted' }), 'deleted');
  t.deepEqual(log, [
    'finalize b1 shutdown',
    'finalize b shutdown',
    'finalize a2 shutdown',
    'finalize a1 shutdown',
    'finalize a shutdown',
    'finalize root deleted',
  ]);
  // Every timer of the subtree died with it, and nothing runs afterwards.
  t.is(clock!.pending, 0);
  clock!.advance(1000);
  root.tell({ t: 'tick' });
  await new Promise((r) => setTimeout(r, 20));
  t.is(log.length, 6);
  t.is(count(events, 'stopped'), 6);
});

test("drain handles the mail already queued; now dead-letters it", async (t) => {
  const { k } = kernelFor(t);
  const log: string[] = [];
  const a = k.spawn(node('a', log));
  const b = k.spawn(node('b', log));
  for (let i = 0; i < 5; i++) {
    a.tell({ t: 'work' });
    b.tell({ t: 'work' });
  }
  const before = k.deadLetters.count;
  const [ra, rb] = await Promise.all([k.stop(a, { mode: 'drain' }), k.stop(b, { mode: 'now' })]);
  t.deepEqual([ra, rb], ['normal', 'normal']);
  t.is(log.filter((l) => l === 'receive a work').length, 5);
  t.is(log.filter((l) => l === 'receive b work').length, 0);
  await until(() => k.deadLetters.count === before + 5, 'b mail dead-lettered');
  t.true(log.indexOf('finalize a normal') > log.lastIndexOf('receive a work'));
  // b never ran: stopped 'now' before its init was handled, so it had no incarnation to finalize.
  t.false(log.includes('finalize b normal'));
});

test("'now' waits for the handler in flight, and finalize sees its state", async (t) => {
  const { k } = kernelFor(t);
  const gate = deferred();
  const entered = deferred();
  const finalState = deferred<unknown>();
  const a = k.spawn<string, 'slow'>({
    name: 'a',
    behavior: {
      init: () => 'fresh',
      receive: async () => {
        entered.resolve();
        await gate.promise;
        return 'after slow';
      },
      finalize: (s) => finalState.resolve(s),
    },
  });
  a.tell('slow');
  await entered.promise;
  const stopped = k.stop(a, { mode: 'now' });
  gate.resolve();
  t.is(await stopped, 'normal');
  t.is(await finalState.promise, 'after slow');
});

test('a finalize that throws or rejects is logged, and the stop completes', async (t) => {
  const { k, events, lines } = kernelFor(t);
  const bad = (sync: boolean): Behavior<null, never> => ({
    init: () => null,
    receive: (s) => s,
    finalize: sync
      ? () => {
          throw new Error('sync finalize bug');
        }
      : async () => {
          await null;
          throw new Error('async finalize bug');
        },
  });
  const a = k.spawn({ name: 'a', behavior: bad(true) });
  const b = k.spawn({ name: 'b', behavior: bad(false) });
  t.is(await k.stop(a), 'normal');
  t.is(await k.stop(b), 'normal');
  t.is(count(events, 'finalize_failed'), 2);
  t.is(lines.filter((l) => l.msg === 'finalize_failed').length, 2);
});

test('at the deadline the finalize signal aborts, shutdown_timeout is logged and the stop completes', async (t) => {
  const { k, clock, events, lines } = kernelFor(t, { manual: true });
  const aborted = deferred<unknown>();
  const finalizing = deferred();
  const hang: Behavior<null, never> = {
    init: () => null,
    receive: (s) => s,
    finalize: (_s, _r, signal) =>
      new Promise<void>(() => {
        signal.addEventListener('abort', () => aborted.resolve(signal.reason));
        finalizing.resolve();
      }),
  };
  const a = k.spawn({ name: 'a', shutdownMs: 2000, behavior: hang });
  await until(() => count(events, 'started') === 1, 'up');
  const stopped = k.stop(a, { reason: 'shutdown' });
  await finalizing.promise;
  t.is(clock!.pending, 1); // the deadline
  clock!.advance(1999);
  t.is(count(events, 'shutdown_timeout'), 0);
  clock!.advance(1);
  t.is(await stopped, 'shutdown');
  t.regex(String((await aborted.promise as Error).message), /shutdown deadline of \/user\/a passed/);
  t.deepEqual(events.find((e) => e.type === 'shutdown_timeout'), { type: 'shutdown_timeout', path: '/user/a', timeoutMs: 2000 });
  t.true(lines.some((l) => l.msg === 'shutdown_timeout' && l.path === '/user/a'));
});

test("a brutal stop aborts the execa subprocess started with ctx.signal as cancelSignal", async (t) => {
  const { k } = kernelFor(t);
  const spawned = deferred<number>();
  const outcome = deferred<{ isCanceled: boolean; signal: string | undefined }>();
  type M = { t: 'done' };
  const a = k.spawn<null, M>({
    name: 'runner',
    behavior: {
      init: (ctx) => {
        const sub = execa(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], {
          cancelSignal: ctx.signal,
          forceKillAfterDelay: 1000,
        });
        spawned.resolve(sub.pid ?? -1);
        sub.then(
          () => outcome.resolve({ isCanceled: false, signal: undefined }),
          (e: { isCanceled: boolean; signal?: string }) => outcome.resolve({ isCanceled: e.isCanceled, signal: e.signal }),
        );
        ctx.pipeToSelf(sub, () => ({ t: 'done' }));
        return null;
      },
      receive: (s) => s,
    },
  });
  const pid = await spawned.promise;
  t.true(pid > 0);
  await k.stop(a, { mode: 'now' });
  const o = await outcome.promise;
  t.true(o.isCanceled);
  t.is(o.signal, 'SIGTERM');
  t.throws(() => process.kill(pid, 0)); // the subprocess is gone
  t.is(a.incarnation, 0);
});

test('a stop during a pipeToSelf operation aborts its signal and counts no crash', async (t) => {
  const { k, events } = kernelFor(t);
  const aborted = deferred<boolean>();
  type M = { t: 'start' } | { t: 'opDone'; ok: boolean };
  const a = k.spawn<string, M>({
    name: 'a',
    restart: 'permanent',
    behavior: {
      init: () => 'idle',
      receive: (s, m, ctx) => {
        if (m.t === 'start') {
          const op = new Promise<void>((_res, rej) => {
            ctx.signal.addEventListener('abort', () => {
              aborted.resolve(true);
              rej(ctx.signal.reason);
            });
          });
          ctx.pipeToSelf(op, (r) => ({ t: 'opDone', ok: r.ok }));
          return 'busy';
        }
        throw new Error('the aborted completion must never be delivered');
      },
    },
  });
  a.tell({ t: 'start' });
  await until(() => count(events, 'started') === 1, 'up');
  t.is(await k.stop(a, { reason: 'deleted' }), 'deleted');
  t.true(await aborted.promise);
  await new Promise((r) => setTimeout(r, 20));
  t.is(a.incarnation, 0);
  t.is(count(events, 'crashed'), 0);
  t.is(count(events, 'restarting'), 0);
});

test('a late pipeToSelf completion after a restart is dropped, not given to the new incarnation', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  const op = deferred<string>();
  const got: string[] = [];
  type M = { t: 'start' } | { t: 'boom' } | { t: 'result'; v: string } | { t: 'ping'; reply: (n: number) => void };
  const a = k.spawn<null, M>({
    name: 'a',
    backoff: { minMs: 10, maxMs: 10, jitter: 0, resetAfterMs: 1e9 },
    behavior: {
      init: () => null,
      receive: (s, m, ctx) => {
        if (m.t === 'start') ctx.pipeToSelf(op.promise, (r) => ({ t: 'result', v: r.ok ? r.value : 'failed' }));
        if (m.t === 'boom') throw new Error('boom');
        if (m.t === 'result') got.push(`${m.v}@${ctx.self.incarnation}`);
        if (m.t === 'ping') m.reply(ctx.self.incarnation);
        return s;
      },
    },
  });
  a.tell({ t: 'start' });
  a.tell({ t: 'boom' });
  await until(() => count(events, 'restarting') === 1, 'restart');
  clock!.advance(10);
  t.is(await k.ask(a, (reply: (n: number) => void): M => ({ t: 'ping', reply }), 5000), 1);
  op.resolve('stale');
  await new Promise((r) => setTimeout(r, 20));
  t.is(await k.ask(a, (reply: (n: number) => void): M => ({ t: 'ping', reply }), 5000), 1);
  t.deepEqual(got, []);
});

test('a grandchild keeps no timer once its grandparent has stopped (real clock)', async (t) => {
  const { k, events } = kernelFor(t);
  const log: string[] = [];
  const root = k.spawn(node('gp', log, [['p', 'gc']]));
  await until(() => log.includes('receive gc tick'), 'grandchild ticking');
  await k.stop(root);
  const after = log.length;
  await new Promise((r) => setTimeout(r, 60)); // six tick periods
  t.is(log.length, after);
  t.true(log.includes('finalize gc shutdown'));
  t.is(count(events, 'stopped'), 3);
});

test('stop is idempotent: every caller gets the first reason and finalize runs once', async (t) => {
  const { k, events } = kernelFor(t);
  const log: string[] = [];
  const a: ActorRef<Tick> = k.spawn(node('a', log));
  await until(() => count(events, 'started') === 1, 'up');
  const reasons: Reason[] = await Promise.all([k.stop(a, { reason: 'deleted' }), k.stop(a, { reason: 'shutdown', mode: 'now' }), k.stop(a)]);
  t.deepEqual(reasons, ['deleted', 'deleted', 'deleted']);
  t.deepEqual(log.filter((l) => l.startsWith('finalize')), ['finalize a deleted']);
  t.is(await k.stop(a), 'deleted');
});

test('kernel shutdown stops top-level actors in reverse creation order', async (t) => {
  const { k, events } = kernelFor(t);
  const log: string[] = [];
  for (const n of ['first', 'second', 'third']) k.spawn(node(n, log, [[`${n}-kid`]]));
  await until(() => count(events, 'started') === 6, 'up');
  await k.shutdown({ timeoutMs: 5000 });
  t.deepEqual(log.filter((l) => l.startsWith('finalize')), [
    'finalize third-kid shutdown',
    'finalize third shutdown',
    'finalize second-kid shutdown',
    'finalize second shutdown',
    'finalize first-kid shutdown',
    'finalize first shutdown',
  ]);
});

test("stopChildren 'parallel' runs the children's finalizes together; 'in_order' one after the other", async (t) => {
  const { k, events } = kernelFor(t);
  const run = async (mode: 'in_order' | 'parallel', gate: Promise<void> | undefined, log: string[]) => {
    const kid = (name: string): Behavior<null, never> => ({
      init: () => null,
      receive: (s) => s,
      finalize: async () => {
        log.push(`begin ${name}`);
        await (gate ?? null);
        log.push(`end ${name}`);
      },
    });
    const p = k.spawn<null, never>({
      name: `sup-${mode}`,
      stopChildren: mode,
      shutdownMs: 'infinity',
      behavior: {
        init: (ctx) => {
          for (const n of ['x', 'y', 'z']) ctx.spawn({ name: n, behavior: kid(n), shutdownMs: 'infinity' });
          return null;
        },
        receive: (s) => s,
      },
    });
    await until(() => events.some((e) => e.type === 'started' && e.path === `/user/sup-${mode}/z`), 'up');
    return k.stop(p);
  };
  const seq: string[] = [];
  await run('in_order', undefined, seq);
  t.deepEqual(seq, ['begin z', 'end z', 'begin y', 'end y', 'begin x', 'end x']);
  // In parallel all three begin while the first is still held: impossible one at a time.
  const gate = deferred();
  const par: string[] = [];
  const stopped = run('parallel', gate.promise, par);
  await until(() => par.length === 3, 'three finalizes begun together');
  t.deepEqual(par, ['begin z', 'begin y', 'begin x']);
  gate.resolve();
  await stopped;
  t.is(par.length, 6);
});

test('a drain stop stuck behind a busy handler begins at the earliest requested deadline and aborts the handler', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  const entered = deferred();
  const a = k.spawn<string, 'hang'>({
    name: 'busy',
    behavior: {
      init: () => 'idle',
      receive: (_s, _m, ctx) => {
        entered.resolve();
        // Only an abort of the incarnation's signal ends this handler.
        return new Promise<string>((_res, rej) => ctx.signal.addEventListener('abort', () => rej(ctx.signal.reason)));
      },
    },
  });
  a.tell('hang');
  await entered.promise;
  const first = k.stop(a, { timeoutMs: 10_000 });
  const second = k.stop(a, { timeoutMs: 1000, reason: 'deleted' });
  await new Promise((r) => setImmediate(r));
  t.true(a.alive);
  clock!.advance(1000);
  t.is(await first, 'normal'); // the first reason wins
  t.is(await second, 'normal');
  t.is(count(events, 'crashed'), 0); // the aborted handler's rejection is not a crash
});
