// watchHostagent: typed phase events from one instance's ha.stdout.log plus the hostagent pid.
// Polling is the ground truth; fs.watch on the instance directory only makes it react sooner.
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../log.js';
import { INSTANCE_FILES } from '../layout.js';
import type { HostagentEvent, HostagentWatch } from '../types.js';
import { nextPhase, parseStatusLine, type Phase } from './events.js';
import { PidWatcher } from './pid.js';
import { FileTailer } from './tail.js';

export interface WatchHostagentOptions {
  readonly instanceDir: string;
  /** Epoch ms (wall clock); events timed before it are ignored, as limactl start does. */
  readonly since: number;
  readonly onEvent: (ev: HostagentEvent) => void;
  /** Aborting closes the watcher. */
  readonly signal: AbortSignal;
  /** Poll period; default 250 ms. */
  readonly pollMs?: number;
  readonly log: Logger;
}

export type { HostagentWatch };

/**
 * Tails ha.stdout.log from its start (surviving its recreation at each `limactl start`), emits
 * each phase once per transition, reports non-JSON lines as `malformed`, and emits `processExit`
 * when the hostagent pid is gone, with or without an exiting event before it.
 */
export function watchHostagent(opts: WatchHostagentOptions): HostagentWatch {
  const { instanceDir, since, signal } = opts;
  const log = opts.log.child({ component: 'hostagent-watch', instanceDir });
  let phase: Phase = 'none';
  let closed = false;
  let fsw: FSWatcher | undefined;
  let pending: NodeJS.Immediate | undefined;

  const emit = (ev: HostagentEvent): void => {
    if (closed) return;
    try {
      opts.onEvent(ev);
    } catch (err) {
      log.error({ err, event: ev.type }, 'hostagent event handler threw');
    }
  };
  const tailer = new FileTailer(join(instanceDir, INSTANCE_FILES.haStdout), {
    onLine: (line) => {
      const ev = parseStatusLine(line);
      if (!ev) {
        log.warn({ line: line.slice(0, 200) }, 'ha.stdout.log line is not an event');
        emit({ type: 'malformed', line });
        return;
      }
      if (ev.timeMs < since) return;
      const next = nextPhase(phase, ev);
      phase = next.phase;
      if (next.event) emit(next.event);
    },
    // A new file is a new hostagent run: its phases start over.
    onReplaced: () => {
      phase = 'none';
    },
  });
  const pids = new PidWatcher(join(instanceDir, INSTANCE_FILES.haPid), since);

  const tick = (): void => {
    pending = undefined;
    if (closed) return;
    try {
      attachFsWatch();
      tailer.poll();
      const exited = pids.poll();
      if (exited !== undefined) {
        // The exiting event is written just before the process ends: read it before reporting.
        tailer.poll();
        emit({ type: 'processExit', pid: exited });
      }
    } catch (err) {
      log.warn({ err }, 'hostagent watch poll failed; retrying');
    }
  };
  const schedule = (): void => {
    if (!closed && pending === undefined) pending = setImmediate(tick);
  };
  function attachFsWatch(): void {
    if (fsw || closed) return;
    try {
      fsw = watch(instanceDir, { persistent: false }, schedule);
      fsw.on('error', () => {
        fsw?.close();
        fsw = undefined;
      });
    } catch {
      fsw = undefined; // directory not there yet: polling covers it, retried next tick
    }
  }

  const timer = setInterval(tick, opts.pollMs ?? 250);
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    if (pending !== undefined) clearImmediate(pending);
    pending = undefined;
    fsw?.close();
    fsw = undefined;
    tailer.close();
    signal.removeEventListener('abort', close);
  };
  if (signal.aborted) close();
  else {
    signal.addEventListener('abort', close, { once: true });
    schedule();
  }
  return { close };
}
