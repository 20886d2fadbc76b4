// Shared test helpers: one kernel per test (nact systems are process-global), bounded waits on
// observable conditions (never sleep-and-hope), and a logger whose lines the test can read.
import type { ExecutionContext } from 'ava';
import { pino, type Logger } from 'pino';
import { silentLogger } from '../../src/log.js';
import { createKernel, manualClock } from '../../src/supervisor/index.js';
import type { Kernel, KernelEvent, KernelOptions, ManualClock } from '../../src/supervisor/index.js';

export interface TestKernel {
  readonly k: Kernel;
  readonly clock: ManualClock | undefined;
  readonly events: KernelEvent[];
  readonly lines: Array<Record<string, unknown>>;
}

/** A kernel torn down with the test; `manual: true` gives it a manual clock. */
export function kernelFor(t: ExecutionContext, opts: Partial<KernelOptions> & { manual?: boolean } = {}): TestKernel {
  const clock = opts.manual === true ? manualClock(1_000_000) : undefined;
  const { log, lines } = captureLogger();
  const k = createKernel({ log, ...(clock ? { clock } : {}), ...opts });
  const events: KernelEvent[] = [];
  k.inspect((ev) => events.push(ev));
  t.teardown(() => k.shutdown({ timeoutMs: 1000, mode: 'now' }));
  return { k, clock, events, lines };
}

/** A debug-level logger that keeps every line (and echoes when RDD_TEST_LOG is set). */
export function captureLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const echo = process.env.RDD_TEST_LOG !== undefined ? silentLogger() : undefined;
  const stream = {
    write(s: string) {
      lines.push(JSON.parse(s) as Record<string, unknown>);
      if (echo) process.stderr.write(s);
    },
  };
  return { log: pino({ level: 'debug' }, stream), lines };
}

/** Polls `cond` (every few ms, real time) until it holds; fails the wait after timeoutMs. */
export async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

export const count = (events: readonly KernelEvent[], type: KernelEvent['type'], path?: string): number =>
  events.filter((e) => e.type === type && (path === undefined || e.path === path)).length;

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
