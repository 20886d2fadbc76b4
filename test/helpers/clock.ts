// A manual clock that knows its next due timer, and helpers that move it only when the code under
// test has nothing left to do: waits cost no real time, and nothing happens "too early".
import { manualClock } from '../../src/supervisor/index.js';
import type { Clock } from '../../src/supervisor/types.js';

export interface TestClock extends Clock {
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void;
  /** Due time of the earliest armed timer (safety nets last: only when nothing else is armed). */
  nextDue(): number | undefined;
}

// Starts at the wall clock: the store stamps deletionTimestamp with Date.now, and the App measures
// how long a teardown has taken against the kernel clock.
export function testClock(start = Date.now()): TestClock {
  const mc = manualClock(start);
  const armed = new Map<unknown, { due: number; unref: boolean }>();
  return {
    now: () => mc.now(),
    setTimeout(fn, ms, opts) {
      const due = mc.now() + Math.max(0, ms);
      const h = mc.setTimeout(() => {
        armed.delete(h);
        fn();
      }, ms);
      armed.set(h, { due, unref: opts?.unref === true });
      return h;
    },
    clearTimeout(h) {
      armed.delete(h);
      mc.clearTimeout(h);
    },
    advance: (ms) => mc.advance(ms),
    nextDue() {
      let work: number | undefined;
      let net: number | undefined;
      for (const t of armed.values()) {
        if (t.unref) net = net === undefined ? t.due : Math.min(net, t.due);
        else work = work === undefined ? t.due : Math.min(work, t.due);
      }
      return work ?? net;
    },
  };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Resolves after `turns` consecutive event-loop turns in which `idle()` held. */
export async function settled(idle: () => boolean = () => true, turns = 3): Promise<void> {
  let quiet = 0;
  for (let i = 0; quiet < turns; i++) {
    await turn();
    quiet = idle() ? quiet + 1 : 0;
    // Real work (SQLite, the event loop) is quick; a system busy this long is stuck in a loop.
    if (i > 100_000) throw new Error('the system under test never became idle');
  }
}

/**
 * Drives the clock until `p` settles: whenever the system is idle, time jumps to the next timer.
 * Fails when nothing is left to wait for, or after `limitMs` of clock time.
 */
export async function drive<T>(clock: TestClock, p: Promise<T>, o: { idle?: () => boolean; limitMs?: number; what?: string } = {}): Promise<T> {
  let done = false;
  const watched = p.finally(() => {
    done = true;
  });
  const limit = clock.now() + (o.limitMs ?? 3_600_000);
  const ended = watched.then(
    () => undefined,
    () => undefined,
  );
  for (;;) {
    // Returns as soon as `p` settles: the caller sees the state right then, not after more work.
    await Promise.race([settled(o.idle), ended]);
    if (done) return watched;
    const due = clock.nextDue();
    if (due === undefined) throw new Error(`${o.what ?? 'the operation'} waits for nothing: no timer is armed and nothing runs`);
    if (due > limit) throw new Error(`${o.what ?? 'the operation'} did not finish within ${o.limitMs ?? 3_600_000} ms of clock time`);
    clock.advance(Math.max(0, due - clock.now()));
  }
}
