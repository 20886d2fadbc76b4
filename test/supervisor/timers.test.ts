import test from 'ava';
import type { Behavior } from '../../src/supervisor/index.js';
import { count, kernelFor, until } from './helpers.js';

type M =
  | { t: 'tick'; n: string }
  | { t: 'once'; key: string; ms: number }
  | { t: 'every'; key: string; ms: number }
  | { t: 'cancel'; key: string }
  | { t: 'active'; key: string; reply: (b: boolean) => void }
  | { t: 'boom' };

function ticker(seen: string[]): Behavior<null, M> {
  return {
    init: () => null,
    receive: (s, m, ctx) => {
      switch (m.t) {
        case 'tick':
          seen.push(`${m.n}@${ctx.now()}#${ctx.self.incarnation}`);
          break;
        case 'once':
          ctx.timers.once(m.key, { t: 'tick', n: m.key }, m.ms);
          break;
        case 'every':
          ctx.timers.every(m.key, { t: 'tick', n: m.key }, m.ms);
          break;
        case 'cancel':
          ctx.timers.cancel(m.key);
          break;
        case 'active':
          m.reply(ctx.timers.isActive(m.key));
          break;
        case 'boom':
          throw new Error('boom');
      }
      return s;
    },
  };
}

test('keyed timers: once fires once, every repeats, a key is replaced, cancel stops it', async (t) => {
  const { k, clock } = kernelFor(t, { manual: true });
  const seen: string[] = [];
  const a = k.spawn({ name: 'a', behavior: ticker(seen) });
  const active = (key: string) => k.ask(a, (reply: (b: boolean) => void): M => ({ t: 'active', key, reply }), 5000);
  a.tell({ t: 'once', key: 'o', ms: 50 });
  a.tell({ t: 'every', key: 'e', ms: 30 });
  a.tell({ t: 'once', key: 'r', ms: 10 });
  a.tell({ t: 'once', key: 'r', ms: 40 }); // replaces the 10 ms one
  t.true(await active('o'));
  const t0 = clock!.now();
  clock!.advance(100);
  await until(() => seen.length === 5, 'five ticks');
  t.deepEqual(seen, [`e@${t0 + 100}#0`, `r@${t0 + 100}#0`, `o@${t0 + 100}#0`, `e@${t0 + 100}#0`, `e@${t0 + 100}#0`]);
  t.false(await active('o'));
  t.true(await active('e'));
  a.tell({ t: 'cancel', key: 'e' });
  t.false(await active('e'));
  clock!.advance(1000);
  await new Promise((r) => setTimeout(r, 10));
  t.is(seen.length, 5);
  t.is(clock!.pending, 0);
});

test('timers are cancelled on restart: a tick from the old incarnation never reaches the new one', async (t) => {
  const { k, clock, events } = kernelFor(t, { manual: true });
  const seen: string[] = [];
  const a = k.spawn({ name: 'a', backoff: { minMs: 10, maxMs: 10, jitter: 0, resetAfterMs: 1e9 }, behavior: ticker(seen) });
  a.tell({ t: 'every', key: 'e', ms: 5 });
  a.tell({ t: 'boom' });
  await until(() => count(events, 'restarting') === 1, 'restart scheduled');
  t.is(clock!.pending, 1); // only the backoff timer is left
  clock!.advance(10);
  await until(() => a.incarnation === 1 && count(events, 'started') === 2, 'back');
  clock!.advance(100);
  await new Promise((r) => setTimeout(r, 10));
  t.deepEqual(seen, []);
});

test('a timer of 3e9 ms is clamped to 2^31-1 instead of firing at once', async (t) => {
  const { k, clock } = kernelFor(t, { manual: true });
  const seen: string[] = [];
  const a = k.spawn({ name: 'a', behavior: ticker(seen) });
  a.tell({ t: 'once', key: 'far', ms: 3e9 });
  await until(() => clock!.pending === 1, 'armed');
  clock!.advance(1_000_000);
  await new Promise((r) => setTimeout(r, 10));
  t.deepEqual(seen, []);
  clock!.advance(2 ** 31);
  await until(() => seen.length === 1, 'fired at the clamp');
});

test('a pipeToSelf map that throws is a crash of the actor', async (t) => {
  const { k, events } = kernelFor(t, { defaults: { backoff: { minMs: 0, maxMs: 0, jitter: 0, resetAfterMs: 0 } } });
  type P = { t: 'go' } | { t: 'never' };
  k.spawn<null, P>({
    name: 'a',
    behavior: {
      init: () => null,
      receive: (s, m, ctx) => {
        if (m.t === 'go') {
          ctx.pipeToSelf(Promise.resolve(1), () => {
            throw new Error('bad map');
          });
        }
        return s;
      },
    },
  }).tell({ t: 'go' });
  await until(() => count(events, 'crashed') === 1, 'crash');
  t.is((events.find((e) => e.type === 'crashed') as { error: Error }).error.message, 'bad map');
});
