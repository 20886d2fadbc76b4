// What is on disk for one instance: Lima's own files (through the driver's pid-file read),
// plus rdd's ownership marker and the `.preparing` sentinel for crash-safe creation.
//
// The sentinel lives beside the instances (`<LIMA_HOME>/_rdd/<name>.preparing`, holding the VM
// uid) because `limactl create` refuses an existing directory, so it cannot be written inside the
// instance dir before create. `_`-prefixed names are reserved by Lima and ignored by `list`.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LimaDriver } from '../../lima/types.js';
import { nextPhase, parseStatusLine, type Phase as WatchPhase } from '../../lima/watch/index.js';

export const OWNER_MARKER = 'rdd-owner';

export interface DiskState {
  readonly dir: string;
  /** The instance exists for Lima (lima.yaml present). */
  readonly exists: boolean;
  readonly status: 'Running' | 'Stopped' | 'Broken' | 'Missing';
  /** uid of the LimaVM that created (or adopted) the instance, from the marker. */
  readonly owner?: string;
  /** uid of the LimaVM whose create was in progress when the sentinel was written. */
  readonly preparing?: string;
  /** Current lima.yaml text. */
  readonly limaYaml?: string;
  readonly errors: readonly string[];
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function sentinelPath(limaHome: string, name: string): string {
  return join(limaHome, '_rdd', `${name}.preparing`);
}

/** Never throws for an expected state; only "the world is broken" IO errors escape. */
export function observeDisk(driver: LimaDriver, name: string): DiskState {
  const dir = driver.instanceDir(name);
  const state = driver.readInstanceDir(name);
  const owner = readText(join(dir, OWNER_MARKER))?.trim() || undefined;
  const preparing = readText(sentinelPath(driver.limaHome, name))?.trim() || undefined;
  const limaYaml = state.hasConfig ? readText(join(dir, 'lima.yaml')) : undefined;
  return {
    dir,
    exists: state.hasConfig,
    status: state.status,
    ...(owner ? { owner } : {}),
    ...(preparing ? { preparing } : {}),
    ...(limaYaml !== undefined ? { limaYaml } : {}),
    errors: state.errors,
  };
}

export function writeSentinel(limaHome: string, name: string, uid: string): void {
  mkdirSync(join(limaHome, '_rdd'), { recursive: true, mode: 0o700 });
  writeFileSync(sentinelPath(limaHome, name), `${uid}\n`, { mode: 0o644 });
}

export function removeSentinel(limaHome: string, name: string): void {
  rmSync(sentinelPath(limaHome, name), { force: true });
}

export function writeOwnerMarker(dir: string, uid: string): void {
  writeFileSync(join(dir, OWNER_MARKER), `${uid}\n`, { mode: 0o644 });
}

/** Replaces lima.yaml atomically (a crash never leaves half a template). */
export function writeLimaYaml(dir: string, text: string): void {
  const tmp = join(dir, `.lima.yaml.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, join(dir, 'lima.yaml'));
}

/**
 * Where the current hostagent run is, from its whole event file: what an adopting actor starts
 * from, so replaying old events never shows a running VM as "starting" again.
 */
export function lastHostagentPhase(dir: string): { phase: 'unknown' | 'starting' | 'running' | 'exited'; errors: readonly string[] } {
  const text = readText(join(dir, 'ha.stdout.log')) ?? '';
  let phase: WatchPhase = 'none';
  let errors: readonly string[] = [];
  for (const line of text.split('\n')) {
    const parsed = parseStatusLine(line);
    if (!parsed) continue;
    const next = nextPhase(phase, parsed);
    phase = next.phase;
    if (next.event?.type === 'running') errors = next.event.degraded ? next.event.errors : [];
  }
  switch (phase) {
    case 'none':
      return { phase: 'unknown', errors: [] };
    case 'starting':
      return { phase: 'starting', errors: [] };
    case 'running':
    case 'degraded':
      return { phase: 'running', errors };
    case 'exiting':
      return { phase: 'exited', errors: [] };
  }
}
