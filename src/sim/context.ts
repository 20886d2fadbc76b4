// What every simulated subcommand receives: LIMA_HOME, the stderr logger, parsed flags, fault
// knobs (re-read on each call), stdin, and hooks to run if the invocation is terminated.
import type { FlagValues } from './cli.js';
import type { SimFaults } from './faults.js';
import type { CliLogger } from './output.js';

export interface Ctx {
  readonly limaHome: string;
  readonly log: CliLogger;
  readonly env: NodeJS.ProcessEnv;
  readonly debug: boolean;
  readonly logFormat: 'json' | 'text';
  readonly flags: FlagValues;
  readonly positionals: string[];
  /** The script this program runs from (dist/limactl-sim.cjs or dist/src/sim/main.js): the hostagent is this program again. */
  readonly self: string;
  /** Version number without the `limactl version ` prefix, e.g. "2.2.0-sim". */
  readonly version: string;
  /** The knobs for an instance (default section only when null), read from disk now. */
  faults(instance: string | null): SimFaults;
  /** All of stdin as text (its byte count goes to the calls log). */
  readStdin(): Promise<string>;
  /** Registers cleanup to run before the process re-raises SIGTERM/SIGINT. */
  onTerminate(fn: (signal: NodeJS.Signals) => void): void;
}

/** A command returns the exit code; a failure throws Fatal (exit 1). */
export type Command = (ctx: Ctx) => Promise<number>;
