// Waiting on one object: a predicate over the object as it changes, fed by a watch that starts at
// the revision of the command's own write (so no change after it is missed). Every condition
// transition is shown as it arrives. The wait ends with the predicate, at the deadline (exit 4),
// or when the daemon process goes away (exit 1, instead of retrying until the deadline).
import type { Condition, Resource } from '../../api/index.js';
import { isProcessAlive } from '../daemon/state.js';
import type { Session } from '../context.js';
import { FOREVER_MS, formatDuration } from '../duration.js';
import { CliError, timeoutError } from '../exit.js';
import { transitionLine, type Progress } from './progress.js';

import type { Verdict } from './verdict.js';
export { DONE, WAIT, failed, type Verdict } from './verdict.js';

export interface WaitSpec {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** The object as this command's write returned it (the watch starts after its revision). */
  readonly initial: Resource;
  /** For messages: "App \"app\" to settle". */
  readonly what: string;
  /** Called with the latest object, or undefined once it is gone. */
  readonly check: (obj: Resource | undefined) => Verdict;
  /** Only conditions stamped with at least this generation are shown (unstamped ones always). */
  readonly minGeneration?: number;
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly progress: Progress;
  /** How often the daemon's pid is checked. */
  readonly livenessMs?: number;
}

const condKey = (c: Condition): string => `${c.status}\u0000${c.reason}\u0000${c.message}`;

/** Remembers the last shown state per condition type and returns the lines for what changed. */
export class TransitionLog {
  private readonly seen = new Map<string, string>();
  constructor(private readonly minGeneration?: number) {}

  lines(obj: Resource | undefined): string[] {
    const all = (obj?.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
    // A summary condition reads best after the ones it summarizes.
    const conds = [...all.filter((c) => c.type !== 'Settled'), ...all.filter((c) => c.type === 'Settled')];
    const out: string[] = [];
    for (const c of conds) {
      if (this.minGeneration !== undefined && c.observedGeneration !== undefined && c.observedGeneration < this.minGeneration) continue;
      const k = condKey(c);
      if (this.seen.get(c.type) === k) continue;
      this.seen.set(c.type, k);
      out.push(transitionLine(c));
    }
    return out;
  }
}

/** Resolves with the last object seen (undefined if it is gone) once `check` says done. */
export function waitForObject(session: Session, spec: WaitSpec, o: WaitOptions): Promise<Resource | undefined> {
  const log = new TransitionLog(spec.minGeneration);
  const show = (obj: Resource | undefined) => {
    for (const l of log.lines(obj)) o.progress.line(l);
  };
  o.progress.status(`Waiting for ${spec.what}…`);
  show(spec.initial);
  const first = spec.check(spec.initial);
  if (first.kind === 'done') return Promise.resolve(spec.initial);
  if (first.kind === 'failed') return Promise.reject(new CliError(first.message));

  return new Promise<Resource | undefined>((resolve, reject) => {
    let last: Resource | undefined = spec.initial;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(liveness);
      watch.close();
      fn();
    };
    const judge = (obj: Resource | undefined) => {
      const v = spec.check(obj);
      if (v.kind === 'done') finish(() => resolve(obj));
      else if (v.kind === 'failed') finish(() => reject(new CliError(v.message)));
    };
    const timeoutMs = o.timeoutMs <= 0 ? FOREVER_MS : Math.min(o.timeoutMs, FOREVER_MS);
    const timer = setTimeout(
      () => finish(() => reject(timeoutError(`timed out after ${formatDuration(timeoutMs)} waiting for ${spec.what}${lastState(last)}`))),
      timeoutMs,
    );
    const liveness = setInterval(() => {
      if (!isProcessAlive(session.pid)) {
        finish(() =>
          reject(new CliError(`the rdd daemon (pid ${session.pid}) exited while waiting for ${spec.what}; run the command again to restart it`)),
        );
      }
    }, o.livenessMs ?? 1000);
    const watch = session.client.watch(
      {
        kind: spec.kind,
        name: spec.name,
        ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}),
        resourceVersion: spec.initial.metadata.resourceVersion,
      },
      (ev) => {
        if (settled) return;
        if (ev.type === 'BOOKMARK') return;
        if (ev.object.metadata.name !== spec.name) return;
        const obj = ev.type === 'DELETED' ? undefined : ev.object;
        last = obj;
        show(obj);
        judge(obj);
      },
      (err) => finish(() => reject(err)),
    );
  });
}

function lastState(obj: Resource | undefined): string {
  if (!obj) return '';
  const conds = (obj.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  return conds.length ? `; last state: ${conds.map(transitionLine).join('; ')}` : '';
}
