// Registers a contract test against the simulator and, when RDD_TEST_LIMACTL names one, against a
// real limactl. Knob-driven tests are simulator-only. Tests that boot a VM need a bootable
// template for real Lima (RDD_TEST_LIMA_TEMPLATE); without it they are skipped, saying why.
import { readFileSync } from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import { createMemoryLimaDriver } from '../../../src/lima/memory/index.js';
import { readSimCalls, type SimFaultsFile, type SimLogLine } from '../../../src/sim/paths.js';
import type { LimaDriver } from '../../../src/lima/types.js';
import { drive, testClock } from '../../helpers/clock.js';
import { simEnv } from '../driver/sim-env.js';
import { LimaHome, offlineTemplate, processesUnder, realTarget, reapUnder, removeSuiteDir, simTarget, suiteDir, waitFor } from '../helpers/sim.js';

export type ContractFn = (t: ExecutionContext, h: LimaHome) => Promise<void>;

export interface ContractOptions {
  /** Uses fault knobs or simulator internals: never run against real Lima. */
  readonly simOnly?: boolean;
  /** Starts a VM: against real Lima it needs RDD_TEST_LIMA_TEMPLATE. */
  readonly boots?: boolean;
}

const noop = (): void => {};

// ava starts every test of a file at once; each simulated boot runs three node processes, so a
// file runs at most this many tests together (RDD_TEST_SIM_CONCURRENCY) to stay fair on 2 cores.
const MAX_CONCURRENT = Math.max(1, Number(process.env.RDD_TEST_SIM_CONCURRENCY ?? '4') || 4);
let running = 0;
const waiting: (() => void)[] = [];

async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await fn();
  } finally {
    // Hand the slot straight to the next waiter, so a newcomer cannot squeeze in between.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

export function contract(title: string, fn: ContractFn, opts: ContractOptions = {}): void {
  test(`sim: ${title}`, (t) =>
    withSlot(async () => {
      const h = new LimaHome(simTarget);
      try {
        await fn(t, h);
      } finally {
        await h.reap();
      }
    }),
  );
  if (opts.simOnly === true) return;
  const real = realTarget();
  if (real === undefined) {
    test.skip(`limactl: ${title} (skipped: set RDD_TEST_LIMACTL=/path/to/limactl to run it against real Lima)`, noop);
    return;
  }
  if (opts.boots === true && (process.env.RDD_TEST_LIMA_TEMPLATE ?? '') === '') {
    test.skip(`limactl: ${title} (skipped: it boots a VM; set RDD_TEST_LIMA_TEMPLATE to a bootable template)`, noop);
    return;
  }
  test(`limactl: ${title}`, (t) =>
    withSlot(async () => {
      t.timeout(20 * 60_000);
      const h = new LimaHome(real);
      try {
        await fn(t, h);
      } finally {
        await h.reap();
      }
    }),
  );
}

export function simOnly(title: string, fn: ContractFn): void {
  contract(title, fn, { simOnly: true });
}

/** A template that boots: the offline one for the simulator, RDD_TEST_LIMA_TEMPLATE for real Lima. */
export function bootTemplate(h: LimaHome, extra = ''): string {
  const path = process.env.RDD_TEST_LIMA_TEMPLATE;
  if (!h.isSim && path !== undefined && path !== '') return readFileSync(path, 'utf8') + extra;
  return offlineTemplate(extra);
}

/** create + start; fails the test with limactl's stderr if either does not succeed. */
export async function createAndStart(t: ExecutionContext, h: LimaHome, name: string, extra = ''): Promise<void> {
  const c = await h.run(['create', '--name', name, '-'], { input: bootTemplate(h, extra) });
  t.is(c.exitCode, 0, c.stderr);
  const s = await h.run(['start', name]);
  t.is(s.exitCode, 0, s.stderr);
}

/** The final check of a test file: no process of this file's homes is left; then clean up. */
export function registerLeakCheck(): void {
  test.after.always('no simulator process is left behind', async (t) => {
    const root = suiteDir();
    const left = processesUnder(root);
    await reapUnder(root);
    removeSuiteDir();
    t.deepEqual(left, [], 'processes still running after every test reaped its own');
  });
}

/** Matches a name quoted either way (`name` for v2.2, "name" for older versions). */
export function quoted(name: string): string {
  return `[\`"]${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\`"]`;
}

/**
 * One contract for both LimaDriver implementations: the limactl driver over the bundled simulator
 * (real processes, real files) and the in-memory model the fast actor tests run on (manual clock).
 * Each test is registered once per implementation and must pass on both.
 */
export interface DriverUnderTest {
  readonly kind: 'sim' | 'memory';
  readonly driver: LimaDriver;
  /** The simulator's fault knobs (faults.json), for both. */
  faults(f: SimFaultsFile): void;
  calls(): SimLogLine[];
  /** Awaits `p`; on the memory driver, moves its clock whenever nothing else can happen. */
  run<T>(p: Promise<T>): Promise<T>;
  /** Waits until `pred` holds (real polling, or the memory driver's clock). */
  until(what: string, pred: () => boolean): Promise<void>;
  /** SIGKILLs the instance's hostagent, as a crash would; returns its pid. */
  killHostagent(name: string): number;
}

export type DriverContractFn = (t: ExecutionContext, d: DriverUnderTest) => Promise<void>;

export function driverContract(title: string, fn: DriverContractFn): void {
  test(`driver on sim: ${title}`, (t) =>
    withSlot(async () => {
      const s = simEnv(t);
      const d: DriverUnderTest = {
        kind: 'sim',
        driver: s.driver,
        faults: s.faults,
        calls: () => readSimCalls(s.home),
        run: (p) => p,
        until: async (what, pred) => {
          await waitFor(what, () => pred() || undefined);
        },
        killHostagent: (name) => {
          const pid = s.pidOf(name, 'ha.pid');
          if (pid === undefined) throw new Error(`${name} has no hostagent pid`);
          process.kill(pid, 'SIGKILL');
          return pid;
        },
      };
      await fn(t, d);
    }),
  );
  test(`driver in memory: ${title}`, async (t) => {
    const clock = testClock();
    const m = createMemoryLimaDriver({ clock });
    const d: DriverUnderTest = {
      kind: 'memory',
      driver: m,
      faults: (f) => m.setFaults(f),
      calls: () => m.calls(),
      run: (p) => drive(clock, p),
      until: async (what, pred) => {
        await drive(clock, new Promise<void>((resolve) => {
          const check = (): void => {
            if (pred()) resolve();
            else setImmediate(check);
          };
          check();
        }), { what });
      },
      killHostagent: (name) => {
        const pid = m.killHostagent(name);
        if (pid === undefined) throw new Error(`${name} has no hostagent`);
        return pid;
      },
    };
    await fn(t, d);
  });
}
