// Progress while a command waits: in a terminal an ora spinner with each condition transition
// printed above it as it arrives; on a pipe the same transitions as plain lines, no escapes.
import type { Ora } from 'ora';
import type { Condition } from '../../api/index.js';

export interface Progress {
  /** A line that stays (a condition transition, a step done). */
  line(text: string): void;
  /** The spinner's text: what is being waited for. Pipes do not show it. */
  status(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  stop(): void;
}

/** "Type=Status: message (Reason)", the form every transition is shown in. */
export function transitionLine(c: Pick<Condition, 'type' | 'status' | 'reason' | 'message'>): string {
  return `${c.type}=${c.status}${c.message ? `: ${c.message}` : ''}${c.reason ? ` (${c.reason})` : ''}`;
}

export interface ProgressOptions {
  readonly stream: NodeJS.WriteStream;
  /** Spinner and live updates; default: the stream is a TTY. */
  readonly tty?: boolean;
  /** No output at all (e.g. -o json). */
  readonly quiet?: boolean;
}

/** Loads ora only for a terminal (it is the slowest module the CLI imports). */
export async function createProgress(o: ProgressOptions): Promise<Progress> {
  if (o.quiet) return { line: () => undefined, status: () => undefined, succeed: () => undefined, fail: () => undefined, stop: () => undefined };
  // A terminal that reports no width (a pty nobody sized) gets plain lines: a spinner needs the
  // width to know how many lines to clear.
  const tty = o.tty ?? (o.stream.isTTY === true && (o.stream.columns ?? 0) > 0);
  if (!tty) {
    const write = (t: string) => void o.stream.write(`${t}\n`);
    return { line: write, status: () => undefined, succeed: write, fail: write, stop: () => undefined };
  }
  const { default: ora } = await import('ora');
  let spinner: Ora | undefined;
  const ensure = (): Ora => (spinner ??= ora({ stream: o.stream, discardStdin: false, isEnabled: true }).start());
  return {
    line: (t) => {
      const s = ensure();
      s.clear();
      o.stream.write(`${t}\n`);
      s.render();
    },
    status: (t) => {
      ensure().text = t;
    },
    succeed: (t) => {
      ensure().succeed(t);
      spinner = undefined;
    },
    fail: (t) => {
      ensure().fail(t);
      spinner = undefined;
    },
    stop: () => {
      spinner?.stop();
      spinner = undefined;
    },
  };
}
