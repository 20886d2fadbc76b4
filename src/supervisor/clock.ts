// Time sources. The kernel never calls Date.now or setTimeout directly: tests inject a manual
// clock and drive backoff, intensity windows and deadlines without sleeping.
import { MAX_DELAY_MS } from '../api/backoff.js';
import type { Clock, ManualClock } from './types.js';

/** setTimeout's ceiling: Node turns anything larger into 1 ms (and nact wraps it negative). */
export { MAX_DELAY_MS };

/** Clamps a duration to [0, 2^31-1] ms; NaN counts as 0 and +Infinity as the ceiling. */
export function clampMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return ms > MAX_DELAY_MS ? MAX_DELAY_MS : ms;
}

/** Wall-clock time and Node timers; `unref` timers never hold the process open. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms, opts) {
    const t = setTimeout(fn, clampMs(ms));
    if (opts?.unref === true) t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

interface ManualTimer {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** A clock that moves only through advance(ms); timers fire in (due time, creation) order. */
export function manualClock(start = 0): ManualClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, ManualTimer>();

  const nextDue = (limit: number): ManualTimer | undefined => {
    let best: ManualTimer | undefined;
    for (const t of timers.values()) {
      if (t.due > limit) continue;
      if (best === undefined || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  };

  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { due: now + clampMs(ms), seq: id, fn });
      return id;
    },
    clearTimeout(handle) {
      if (typeof handle === 'number') timers.delete(handle);
    },
    advance(ms) {
      const target = now + clampMs(ms);
      // Timers created by a callback are eligible in the same advance if they fall due before target.
      for (let t = nextDue(target); t !== undefined; t = nextDue(target)) {
        timers.delete(t.seq);
        now = t.due;
        t.fn();
      }
      now = target;
    },
    get pending() {
      return timers.size;
    },
  };
}

/** A clock that knows which of its timers are still armed, so the kernel can tell when it is idle. */
export interface TrackedClock extends Clock {
  /** The earliest due time among armed timers that are not `unref` safety nets; undefined if none. */
  nextDue(): number | undefined;
}

interface Tracked {
  inner: unknown;
  readonly due: number;
  /** Safety nets (deadlines, ask timeouts) fire only when something else failed to happen: not work. */
  readonly counted: boolean;
}

/** Wraps `inner`, keeping the set of armed timers (fired and cleared ones leave it). */
export function trackedClock(inner: Clock): TrackedClock {
  const armed = new Set<Tracked>();
  return {
    now: () => inner.now(),
    setTimeout(fn, ms, opts) {
      const t: Tracked = { inner: undefined, due: inner.now() + clampMs(ms), counted: opts?.unref !== true };
      armed.add(t);
      t.inner = inner.setTimeout(
        () => {
          armed.delete(t);
          fn();
        },
        ms,
        opts,
      );
      return t;
    },
    clearTimeout(handle) {
      const t = handle as Tracked | undefined;
      if (t === undefined || !armed.has(t)) return;
      armed.delete(t);
      inner.clearTimeout(t.inner);
    },
    nextDue() {
      let best: number | undefined;
      for (const t of armed) if (t.counted && (best === undefined || t.due < best)) best = t.due;
      return best;
    },
  };
}
