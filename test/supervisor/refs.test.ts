import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isKernelError, type ActorRef, type Behavior, type DeadLetter, type Terminated } from '../../src/supervisor/index.js';
import { deferred, kernelFor, until } from './helpers.js';

type Ping = { t: 'ping'; reply: (n: number) => void };
type Other = { t: 'other' };

const pinger: Behavior<number, Ping> = {
  init: () => 0,
  receive: (s, m) => {
    m.reply(s + 1);
    return s + 1;
  },
};

test('refs are branded: an ActorRef<A> is not an ActorRef<B>', async (t) => {
  const { k } = kernelFor(t);
  const a = k.spawn({ name: 'a', behavior: pinger });
  // @ts-expect-error -- a ref to Ping actors does not accept Other messages
  const wrong: ActorRef<Other> = a;
  // @ts-expect-error -- nor can it be told one
  a.tell({ t: 'other' });
  const widened: ActorRef<never> = a; // any ref is usable where only its identity matters
  t.is(widened.path, '/user/a');
  t.is(wrong.path, '/user/a');
  t.is(a.incarnation, 0);
  t.is(await k.ask(a, (reply): Ping => ({ t: 'ping', reply }), 5000), 1);
  t.true(a.alive);
});

test('ctx.log is a child logger bound to the path and the incarnation', async (t) => {
  const { k, lines } = kernelFor(t);
  const a = k.spawn<null, 'hello'>({
    name: 'talker',
    behavior: {
      init: () => null,
      receive: (s, _m, ctx) => {
        ctx.log.info({ extra: 1 }, 'hello from the actor');
        return s;
      },
    },
  });
  a.tell('hello');
  await until(() => lines.some((l) => l.msg === 'hello from the actor'), 'log line');
  const line = lines.find((l) => l.msg === 'hello from the actor')!;
  t.is(line.path, '/user/talker');
  t.is(line.incarnation, 0);
  t.is(line.extra, 1);
});

test('paths follow the tree: /user/<name>/<child>', async (t) => {
  const { k } = kernelFor(t);
  const got = deferred<string[]>();
  k.spawn({
    name: 'parent',
    behavior: {
      init: (ctx) => {
        const c = ctx.spawn({ name: 'child', behavior: pinger });
        got.resolve([ctx.path, c.path, ctx.child('child')?.path ?? '', String(ctx.children().length)]);
        return {};
      },
      receive: (s) => s,
    },
  });
  t.deepEqual(await got.promise, ['/user/parent', '/user/parent/child', '/user/parent/child', '1']);
});

test('a message to a stopped actor is a counted dead letter, offered to listeners', async (t) => {
  const { k, lines } = kernelFor(t);
  const a = k.spawn({ name: 'a', behavior: pinger });
  const seen: DeadLetter[] = [];
  const off = k.deadLetters.on((d) => seen.push(d));
  t.is(await k.stop(a), 'normal');
  t.false(a.alive);
  const before = k.deadLetters.count;
  a.tell({ t: 'ping', reply: () => undefined });
  t.is(k.deadLetters.count, before + 1);
  t.is(seen.at(-1)?.path, '/user/a');
  off();
  a.tell({ t: 'ping', reply: () => undefined });
  t.is(k.deadLetters.count, before + 2);
  t.is(seen.length, 1);
  t.true(lines.some((l) => l.msg === 'dead_letters' && l.path === '/user/a'));
});

test('dead-letter log lines are rate-limited (manual clock)', async (t) => {
  const { k, clock, lines } = kernelFor(t, { manual: true, deadLetterLogIntervalMs: 1000 });
  const a = k.spawn({ name: 'a', behavior: pinger });
  await k.stop(a, { mode: 'now' });
  const logged = () => lines.filter((l) => l.msg === 'dead_letters');
  for (let i = 0; i < 500; i++) a.tell({ t: 'ping', reply: () => undefined });
  t.is(k.deadLetters.count, 500);
  t.is(logged().length, 1);
  t.is(logged()[0]?.count, 1);
  clock!.advance(999);
  t.is(logged().length, 1);
  clock!.advance(1);
  t.is(logged().length, 2);
  t.is(logged()[1]?.count, 499);
  t.is(logged()[1]?.total, 500);
});

test('invalid and duplicate names are rejected with KernelErrors', (t) => {
  const { k } = kernelFor(t);
  const e1 = t.throws(() => k.spawn({ name: 'a/b', behavior: pinger }));
  t.true(isKernelError(e1, 'InvalidSpec'));
  t.regex(e1.message, /name: "a\/b" must be non-empty and use only letters/);
  k.spawn({ name: 'a', behavior: pinger });
  const e2 = t.throws(() => k.spawn({ name: 'a', behavior: pinger }));
  t.true(isKernelError(e2, 'DuplicateName'));
  t.regex(e2.message, /an actor \/user\/a already exists/);
});

test('a name is freed before the death is announced: the parent respawns it from onTerminated', async (t) => {
  const { k } = kernelFor(t);
  const respawned = deferred<{ old: ActorRef<Ping>; fresh: ActorRef<Ping>; ev: Terminated }>();
  type PMsg = { t: 'kill' };
  const parent = k.spawn<{ child: ActorRef<Ping> }, PMsg>({
    name: 'p',
    behavior: {
      init: (ctx) => ({ child: ctx.spawn({ name: 'c', behavior: pinger }) }),
      receive: (s, _m, ctx) => {
        void ctx.stop(s.child, { reason: 'deleted' });
        return s;
      },
      onTerminated: (s, ev, ctx) => {
        const fresh = ctx.spawn({ name: 'c', behavior: pinger });
        respawned.resolve({ old: s.child, fresh, ev });
        return { child: fresh };
      },
    },
  });
  parent.tell({ t: 'kill' });
  const { old, fresh, ev } = await respawned.promise;
  t.is(ev.reason, 'deleted');
  t.is(ev.path, '/user/p/c');
  t.is(fresh.path, old.path);
  t.not(fresh, old);
  t.false(old.alive);
  // The stale ref does not reach the new actor (nact's path-based refs would).
  const before = k.deadLetters.count;
  old.tell({ t: 'ping', reply: () => undefined });
  t.is(k.deadLetters.count, before + 1);
  t.is(await k.ask(fresh, (reply): Ping => ({ t: 'ping', reply }), 5000), 1);
});

test('refs from another kernel are refused', (t) => {
  const one = kernelFor(t);
  const two = kernelFor(t);
  const a = one.k.spawn({ name: 'a', behavior: pinger });
  const err = t.throws(() => two.k.stop(a));
  t.true(isKernelError(err, 'ForeignRef'));
});

test('the kernel refuses new top-level actors once it is shutting down', async (t) => {
  const { k } = kernelFor(t);
  await k.shutdown({ timeoutMs: 1000 });
  const err = t.throws(() => k.spawn({ name: 'late', behavior: pinger }));
  t.true(isKernelError(err, 'KernelClosed'));
});

/** Only src/supervisor/ may import nact: scan every source file for an import or require of it. */
test('no module outside src/supervisor imports nact', (t) => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const src = join(root, 'src');
  const offenders: string[] = [];
  const importsNact = /(?:from\s*|import\s*\(\s*|require\s*\(\s*|import\s+)['"]nact(?:\/[^'"]*)?['"]/;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(c|m)?[jt]s$/.test(name) && importsNact.test(readFileSync(p, 'utf8'))) offenders.push(relative(root, p));
    }
  };
  walk(src);
  t.true(offenders.length > 0, 'the scan must at least find the kernel itself');
  t.deepEqual(
    offenders.filter((p) => !p.startsWith(join('src', 'supervisor') + '/')),
    [],
  );
});
