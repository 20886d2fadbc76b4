import test from 'ava';
import { isKernelError, type Behavior } from '../../src/supervisor/index.js';
import { deferred, kernelFor, until } from './helpers.js';

type Echo = { id: number; reply: (id: number) => void };
const echo: Behavior<null, Echo> = {
  init: () => null,
  receive: (s, m) => {
    m.reply(m.id);
    return s;
  },
};

test('100k concurrent asks never cross replies', async (t) => {
  const { k } = kernelFor(t);
  const a = k.spawn({ name: 'echo', behavior: echo });
  const n = 100_000;
  const answers = await Promise.all(
    Array.from({ length: n }, (_, id) => k.ask(a, (reply: (id: number) => void): Echo => ({ id, reply }), 60_000)),
  );
  let crossed = 0;
  for (let i = 0; i < n; i++) if (answers[i] !== i) crossed++;
  t.is(crossed, 0);
  t.is(answers.length, n);
});

test('a reply is delivered once: a second reply is ignored', async (t) => {
  const { k } = kernelFor(t);
  const twice: Behavior<null, Echo> = {
    init: () => null,
    receive: (s, m) => {
      m.reply(m.id);
      m.reply(m.id + 1);
      return s;
    },
  };
  const a = k.spawn({ name: 'twice', behavior: twice });
  t.is(await k.ask(a, (reply: (id: number) => void): Echo => ({ id: 7, reply }), 5000), 7);
});

test('ask times out with a KernelError AskTimeout (manual clock)', async (t) => {
  const { k, clock } = kernelFor(t, { manual: true });
  const seen = deferred();
  const silent: Behavior<null, Echo> = {
    init: () => null,
    receive: (s) => {
      seen.resolve();
      return s;
    },
  };
  const a = k.spawn({ name: 'silent', behavior: silent });
  const p = k.ask(a, (reply: (id: number) => void): Echo => ({ id: 1, reply }), 3000);
  await seen.promise;
  clock!.advance(2999);
  clock!.advance(1);
  const err = await t.throwsAsync(p);
  t.true(isKernelError(err, 'AskTimeout'));
  t.regex(err!.message, /\/user\/silent did not reply within 3000 ms/);
});

test('a pending ask rejects at once when its target stops, not at its timeout', async (t) => {
  const { k } = kernelFor(t);
  const seen = deferred();
  const silent: Behavior<null, Echo> = {
    init: () => null,
    receive: (s) => {
      seen.resolve();
      return s;
    },
  };
  const a = k.spawn({ name: 'silent', behavior: silent });
  const p = k.ask(a, (reply: (id: number) => void): Echo => ({ id: 1, reply }), 600_000);
  await seen.promise;
  void k.stop(a, { reason: 'deleted' });
  const err = await t.throwsAsync(p);
  t.true(isKernelError(err, 'ActorStopped'));
  t.regex(err!.message, /stopped \(deleted\)/);
});

test('asking a stopped actor rejects immediately', async (t) => {
  const { k } = kernelFor(t);
  const a = k.spawn({ name: 'gone', behavior: echo });
  await k.stop(a);
  const err = await t.throwsAsync(k.ask(a, (reply: (id: number) => void): Echo => ({ id: 1, reply }), 600_000));
  t.true(isKernelError(err, 'ActorStopped'));
});

test('an ask sent during a restart is stashed and answered by the next incarnation', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  type M = Echo | { boom: true };
  const a = k.spawn<number, M>({
    name: 'flaky',
    backoff: { minMs: 100, maxMs: 100, jitter: 0, resetAfterMs: 1000 },
    behavior: {
      init: (ctx) => ctx.self.incarnation * 1000,
      receive: (s, m) => {
        if ('boom' in m) throw new Error('boom');
        m.reply(s + m.id);
        return s;
      },
    },
  });
  a.tell({ boom: true });
  await until(() => events.some((e) => e.type === 'restarting'), 'restart scheduled');
  const p = k.ask(a, (reply: (id: number) => void): M => ({ id: 5, reply }), 600_000);
  clock!.advance(100);
  t.is(await p, 1005);
  t.is(a.incarnation, 1);
});
