// Fault knobs and the time scale. Knobs are re-read at every decision point, so a test can flip
// one mid-run: env LIMA_SIM_FAULTS, then faults.json's default section, then its instance section.
import { readFileSync } from 'node:fs';
import { simFaultsFile, type SimFaults, type SimFaultsFile } from './paths.js';

export type { SimFaults } from './paths.js';

export class FaultsError extends Error {}

function parseObject(text: string, where: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new FaultsError(`invalid JSON in ${where}: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FaultsError(`${where} must hold a JSON object`);
  return v as Record<string, unknown>;
}

/** The knobs in effect for `instance` (or the default section only when null). Throws FaultsError. */
export function loadFaults(limaHome: string, instance: string | null, env: NodeJS.ProcessEnv = process.env): SimFaults {
  let faults: SimFaults = {};
  const fromEnv = env.LIMA_SIM_FAULTS;
  if (fromEnv !== undefined && fromEnv.trim() !== '') faults = { ...parseObject(fromEnv, 'LIMA_SIM_FAULTS') };
  let text: string | undefined;
  try {
    text = readFileSync(simFaultsFile(limaHome), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (text !== undefined) {
    const file = parseObject(text, simFaultsFile(limaHome)) as SimFaultsFile;
    faults = { ...faults, ...(file.default ?? {}) };
    if (instance !== null) faults = { ...faults, ...(file.instances?.[instance] ?? {}) };
  }
  return faults;
}

/** A knob's millisecond value, or the default when unset or not a finite non-negative number. */
export function knobMs(v: number | undefined, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : dflt;
}

/** LIMA_SIM_TIME_SCALE (default 1). */
export function timeScale(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.LIMA_SIM_TIME_SCALE ?? '1');
  return Number.isFinite(s) && s > 0 ? s : 1;
}

/** Lower bound of a scaled wait (LIMA_SIM_MIN_WAIT_MS, default 2000, never above the unscaled value). */
function minWait(env: NodeJS.ProcessEnv): number {
  const m = Number(env.LIMA_SIM_MIN_WAIT_MS ?? '2000');
  return Number.isFinite(m) && m >= 0 ? m : 2000;
}

/**
 * A built-in timeout of real Lima, scaled. The floor keeps a busy machine from failing waits
 * that real Lima would pass (a node process can need a second to start on a loaded machine).
 */
export function scaled(ms: number, env: NodeJS.ProcessEnv = process.env): number {
  return Math.max(Math.round(ms * timeScale(env)), Math.min(ms, minWait(env)));
}

/** Built-in Lima timeouts (unscaled), docs/lima.md#limas-built-in-timeouts. */
export const LIMA_TIMEOUTS = {
  pidFileWait: 5_000,
  exitingEventWait: 190_000,
  shutdownWait: 180_000,
  startDefault: 600_000,
  socketProbe: 3_000,
  stopPoll: 500,
} as const;
