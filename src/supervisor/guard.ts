// The process-level guard: on an unhandled rejection or uncaught exception, log at fatal level,
// stop every actor in order within a bound, and exit non-zero. Node 20 would otherwise die at
// once, skipping every finalize (and nact turns several kinds of errors into exactly that).
import type { Logger } from 'pino';
import { clampMs } from './clock.js';
import type { Kernel, ProcessGuardOptions } from './types.js';

/** Installs the handlers; returns the function that removes them. */
export function installProcessGuard(kernel: Kernel, log: Logger, opts: ProcessGuardOptions = {}): () => void {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const code = opts.exitCode ?? 1;
  const exit = opts.exit ?? ((c: number) => process.exit(c));
  let fired = false;

  const onFatal = (kind: 'unhandledRejection' | 'uncaughtException') => (err: unknown) => {
    log.fatal({ err, kind }, fired ? 'fatal process error during shutdown' : 'fatal process error; shutting down');
    if (fired) return;
    fired = true;
    // Whatever happens next, the process must not end with status 0.
    process.exitCode = code;
    // Ref'd on purpose: it guarantees the exit even if the shutdown hangs on a never-settling promise.
    const hard = setTimeout(() => exit(code), clampMs(timeoutMs + 1000));
    kernel
      .shutdown({ timeoutMs, mode: 'now' })
      .catch((e: unknown) => log.fatal({ err: e }, 'shutdown after a fatal error failed'))
      .finally(() => {
        clearTimeout(hard);
        exit(code);
      });
  };

  const onRejection = onFatal('unhandledRejection');
  const onException = onFatal('uncaughtException');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
