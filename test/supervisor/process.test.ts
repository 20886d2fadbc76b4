import test from 'ava';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { installProcessGuard } from '../../src/supervisor/index.js';
import { kernelFor } from './helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.js`, import.meta.url));

interface TreeSummary {
  actors: number;
  finalized: number;
  allOnce: boolean;
  leafFirst: boolean;
  ticksAfterShutdown: number;
  shutdownMs: number;
  resources: string[];
}

test('shutdown of 1,000 actors in a 3-level tree finalizes each once, leaves first, and the process exits by itself', async (t) => {
  const r = await execa(process.execPath, [fixture('tree')], { timeout: 90_000, reject: false });
  t.false(r.timedOut, 'the fixture process did not exit by itself');
  t.is(r.exitCode, 0, r.stderr);
  const s = JSON.parse(r.stdout.trim()) as TreeSummary;
  t.is(s.actors, 1000);
  t.is(s.finalized, 1000);
  t.true(s.allOnce);
  t.true(s.leafFirst);
  t.is(s.ticksAfterShutdown, 0);
  // Nothing of the kernel's is left: no timer, no immediate (stdio handles may remain).
  t.deepEqual(
    s.resources.filter((x) => !['TTYWrap', 'PipeWrap', 'FSReqCallback'].includes(x)),
    [],
  );
});

for (const kind of ['rejection', 'exception'] as const) {
  test(`the process guard turns an ${kind === 'rejection' ? 'unhandled rejection' : 'uncaught exception'} into a fatal log, an ordered shutdown and exit 1`, async (t) => {
    const r = await execa(process.execPath, [fixture('guard'), kind], { timeout: 60_000, reject: false });
    t.false(r.timedOut);
    t.is(r.exitCode, 1);
    t.deepEqual(r.stdout.trim().split('\n'), ['finalized b', 'finalized a', 'finalized root']);
    const fatal = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; kind?: string; err?: { message: string } })
      .find((l) => l.level === 60);
    t.truthy(fatal);
    t.is(fatal!.kind, kind === 'rejection' ? 'unhandledRejection' : 'uncaughtException');
    t.is(fatal!.err?.message, `escaped ${kind}`);
  });
}

test('installProcessGuard adds one handler per event and its uninstall removes them', (t) => {
  const { k } = kernelFor(t);
  const before = [process.listenerCount('unhandledRejection'), process.listenerCount('uncaughtException')];
  const uninstall = installProcessGuard(k, k.log, { exit: () => t.fail('must not exit') });
  t.deepEqual([process.listenerCount('unhandledRejection'), process.listenerCount('uncaughtException')], [before[0]! + 1, before[1]! + 1]);
  uninstall();
  t.deepEqual([process.listenerCount('unhandledRejection'), process.listenerCount('uncaughtException')], before);
});
