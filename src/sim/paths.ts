// The simulator's control surface for tests and the driver: where the fault file and the calls
// log live under LIMA_HOME, their line types, and helpers to write faults and read calls.
// Importing this module has no side effects (it is used by tests outside the simulator).
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `_`-prefixed names are reserved by Lima, so `list` never shows this directory. */
export const SIM_DIR_NAME = '_sim';

/** Fault knobs (docs/lima.md#fault-knobs, plus validateFail/validateDelayMs and deleteFail). Every knob is optional. */
export interface SimFaults {
  createFail?: 'exists' | 'invalid' | 'download';
  createDelayMs?: number;
  /** Time between the booting event and the running event (default 200). */
  bootDelayMs?: number;
  startOutcome?: 'ready' | 'degraded' | 'exiting' | 'never' | 'hostagentExit' | 'noPidfile';
  crashHostagentAfterMs?: number;
  crashDriverAfterMs?: number;
  stopHang?: boolean;
  /** Graceful guest shutdown time inside the driver child (default 100). */
  stopDelayMs?: number;
  corruptTemplate?: boolean;
  corruptEvents?: boolean;
  stalePid?: 'dead' | 'foreign';
  haSockDead?: boolean;
  listFail?: boolean;
  listDelayMs?: number;
  sshPort?: number;
  root?: boolean;
  versionString?: string;
  validateFail?: string;
  /** `delete` of an existing instance fails with this message before removing anything. */
  deleteFail?: string;
  validateDelayMs?: number;
}

/** Shape of `$LIMA_HOME/_sim/faults.json`: the default section applies first, then the instance's. */
export interface SimFaultsFile {
  default?: SimFaults;
  instances?: Record<string, SimFaults>;
}

/** One finished `limactl` invocation (written when it ends, also when ended by SIGTERM/SIGINT). */
export interface SimCallLine {
  kind: 'call';
  pid: number;
  cmd: string;
  instance: string | null;
  argv: string[];
  stdinBytes: number;
  /** Epoch ms. */
  start: number;
  end: number;
  exitCode: number | null;
  signal: string | null;
}

/** Hostagent lifecycle: started (pid file written), signal received, exit. */
export interface SimHostagentLine {
  kind: 'hostagent';
  event: 'started' | 'signal' | 'exit';
  instance: string;
  pid: number;
  signal?: string;
  exitCode?: number;
  time: number;
}

/** A SIGKILL sent by `stop -f` / `delete -f`. No such line means every stop was graceful. */
export interface SimKillLine {
  kind: 'kill';
  signal: 'SIGKILL';
  target: 'hostagent' | 'driver';
  pid: number;
  instance: string;
  time: number;
}

export type SimLogLine = SimCallLine | SimHostagentLine | SimKillLine;

export function simDir(limaHome: string): string {
  return join(limaHome, SIM_DIR_NAME);
}

export function simFaultsFile(limaHome: string): string {
  return join(simDir(limaHome), 'faults.json');
}

export function simCallsFile(limaHome: string): string {
  return join(simDir(limaHome), 'calls.ndjson');
}

/** Replaces the fault file atomically (a simulator reading it never sees a partial write). */
export function writeSimFaults(limaHome: string, faults: SimFaultsFile): void {
  mkdirSync(simDir(limaHome), { recursive: true });
  const file = simFaultsFile(limaHome);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(faults, null, 2) + '\n');
  renameSync(tmp, file);
}

/** Appends one line with O_APPEND in a single write, so concurrent writers never interleave. */
export function appendSimLog(limaHome: string, line: SimLogLine): void {
  mkdirSync(simDir(limaHome), { recursive: true });
  appendFileSync(simCallsFile(limaHome), JSON.stringify(line) + '\n');
}

/** All lines of the calls log (empty when it does not exist); a torn last line is skipped. */
export function readSimCalls(limaHome: string): SimLogLine[] {
  let text: string;
  try {
    text = readFileSync(simCallsFile(limaHome), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: SimLogLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    try {
      out.push(JSON.parse(raw) as SimLogLine);
    } catch {
      // Only a line still being written can be partial; it is complete on the next read.
    }
  }
  return out;
}

/** The `call` lines only, optionally for one command. */
export function readSimCallLines(limaHome: string, cmd?: string): SimCallLine[] {
  return readSimCalls(limaHome).filter(
    (l): l is SimCallLine => l.kind === 'call' && (cmd === undefined || l.cmd === cmd),
  );
}
