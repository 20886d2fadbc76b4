// The per-VM hostagent watcher: a child actor that tails the event stream and tells its parent.
// It never writes to the store; the VM actor decides what an event means.
import type { LimaDriver } from '../../lima/types.js';
import type { ActorRef, Behavior } from '../../supervisor/types.js';
import type { VmMsg } from './messages.js';

interface WatcherState {
  readonly close: () => void;
}

export function watcherBehavior(opts: {
  readonly parent: ActorRef<VmMsg>;
  readonly gen: number;
  readonly driver: LimaDriver;
  readonly name: string;
  /** Epoch ms; 0 reads the whole current event file (adoption after a daemon restart). */
  readonly since: number;
  readonly pollMs?: number;
}): Behavior<WatcherState, never> {
  return {
    init(ctx) {
      const handle = opts.driver.watch(opts.name, {
        since: opts.since,
        signal: ctx.signal,
        log: ctx.log,
        ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
        onEvent: (ev) => opts.parent.tell({ t: 'hostagent', gen: opts.gen, ev }),
      });
      return { close: () => handle.close() };
    },
    receive(state) {
      return state;
    },
    finalize(state) {
      state?.close();
    },
  };
}
