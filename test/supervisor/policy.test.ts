import test from 'ava';
import fc from 'fast-check';
import { addRestart, clampMs, isKernelError, manualClock, MAX_DELAY_MS, nextAttempt, nextDelay } from '../../src/supervisor/index.js';
import { validateSpec } from '../../src/supervisor/policy.js';
import type { Behavior } from '../../src/supervisor/index.js';

const backoff = { minMs: 100, maxMs: 1000, jitter: 0.5, resetAfterMs: 10_000 };

test('addRestart keeps only the restarts inside the window and appends now', (t) => {
  t.deepEqual(addRestart([], 50, 100), [50]);
  t.deepEqual(addRestart([0, 10, 60], 110, 100), [60, 110]);
  // A restart exactly one window old has left it.
  t.deepEqual(addRestart([10], 110, 100), [110]);
});

test('addRestart: the result is sorted, within the window and ends with now (property)', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.array(fc.nat(10_000)), fc.integer({ min: 1, max: 5000 }), (raw, withinMs) => {
        const history = [...raw].sort((a, b) => a - b);
        const now = (history.at(-1) ?? 0) + 1;
        const out = addRestart(history, now, withinMs);
        const expected = history.filter((x) => now - x < withinMs).length + 1;
        return out.at(-1) === now && out.every((x) => now - x < withinMs) && out.length === expected;
      }),
    ),
  );
});

test('nextDelay doubles from minMs up to maxMs without jitter', (t) => {
  const noJitter = { ...backoff, jitter: 0 };
  t.deepEqual(
    [1, 2, 3, 4, 5, 6].map((a) => nextDelay(a, noJitter, () => 0.9)),
    [100, 200, 400, 800, 1000, 1000],
  );
});

test('nextDelay applies jitter from the injected random source', (t) => {
  t.is(nextDelay(1, backoff, () => 0), 100);
  t.is(nextDelay(1, backoff, () => 0.5), 125);
  t.is(nextDelay(3, backoff, () => 1), 600);
});

test('nextDelay never overflows and stays clamped for huge attempts and bounds', (t) => {
  t.is(nextDelay(10_000, { minMs: 1, maxMs: 1e12, jitter: 1, resetAfterMs: 0 }, () => 1), MAX_DELAY_MS);
  t.is(nextDelay(2000, backoff, () => 0), 1000);
});

test('nextAttempt resets after a healthy run of resetAfterMs, otherwise counts up', (t) => {
  t.is(nextAttempt(0, undefined, 0, 100), 1);
  t.is(nextAttempt(3, 1000, 1050, 100), 4);
  t.is(nextAttempt(3, 1000, 1100, 100), 1);
  // A failure before ever running (init failed) never resets.
  t.is(nextAttempt(3, undefined, 1e9, 100), 4);
});

test('clampMs bounds every duration to [0, 2^31-1]', (t) => {
  t.is(clampMs(-5), 0);
  t.is(clampMs(Number.NaN), 0);
  t.is(clampMs(3e9), MAX_DELAY_MS);
  t.is(clampMs(Infinity), MAX_DELAY_MS);
  t.is(clampMs(42), 42);
});

test('the manual clock fires due timers in order, including ones scheduled while advancing', (t) => {
  const c = manualClock(0);
  const fired: string[] = [];
  c.setTimeout(() => fired.push('b@20'), 20);
  c.setTimeout(() => {
    fired.push('a@10');
    c.setTimeout(() => fired.push('c@15'), 5);
  }, 10);
  const gone = c.setTimeout(() => fired.push('cleared'), 12);
  c.setTimeout(() => fired.push('d@20'), 20);
  c.clearTimeout(gone);
  c.advance(19);
  t.deepEqual(fired, ['a@10', 'c@15']);
  t.is(c.now(), 19);
  c.advance(1);
  t.deepEqual(fired, ['a@10', 'c@15', 'b@20', 'd@20']);
  t.is(c.pending, 0);
});

test('the manual clock clamps a 3e9 ms timer instead of firing it at once', (t) => {
  const c = manualClock(0);
  let fired = false;
  c.setTimeout(() => (fired = true), 3e9);
  c.advance(1000);
  t.false(fired);
  c.advance(MAX_DELAY_MS);
  t.true(fired);
});

const behavior: Behavior<number, string> = { init: () => 0, receive: (s) => s };

test('validateSpec names every invalid field in one KernelError InvalidSpec', (t) => {
  const err = t.throws(() =>
    validateSpec({
      name: 'a/b',
      behavior,
      shutdownMs: -1,
      stashCapacity: 1.5,
      intensity: { max: -1, withinMs: 0 },
      backoff: { minMs: 10, maxMs: 5, jitter: 2, resetAfterMs: 0 },
      restart: 'sometimes' as 'permanent',
    }),
  );
  if (!isKernelError(err, 'InvalidSpec')) return t.fail(`expected a KernelError InvalidSpec, got ${String(err)}`);
  const fields = (err.details.fields ?? []).map((f) => f.field);
  t.deepEqual(fields.sort(), [
    'backoff.jitter',
    'backoff.maxMs',
    'intensity.max',
    'intensity.withinMs',
    'name',
    'restart',
    'shutdownMs',
    'stashCapacity',
  ]);
});

test('validateSpec accepts a minimal spec and infinity', (t) => {
  t.notThrows(() => validateSpec({ name: "ok-name_1.$+!*'(),", behavior, shutdownMs: 'infinity' }));
});
