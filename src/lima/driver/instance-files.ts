// The limactl driver's view of one instance on disk: Lima's state (through readInstanceDir) plus
// rdd's owner marker, the `.preparing` sentinel and lima.yaml, and the few writes the actors need.
// File names come from ../layout.ts only.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INSTANCE_FILES, instanceDir, instanceFile, isReservedEntry, rddDir, sentinelPath } from '../layout.js';
import type { InstanceInspection } from '../types.js';
import { lastPhaseOf } from '../watch/last-phase.js';
import { readInstanceDir } from './instance-dir.js';
import { isProcessAlive, parsePid } from './process.js';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Never throws for an expected state; only "the world is broken" IO errors escape. */
export function inspectInstance(limaHome: string, name: string): InstanceInspection {
  const dir = instanceDir(limaHome, name);
  const state = readInstanceDir(dir);
  const owner = readText(instanceFile(limaHome, name, 'ownerMarker'))?.trim() || undefined;
  const preparing = readText(sentinelPath(limaHome, name))?.trim() || undefined;
  const limaYaml = state.hasConfig ? readText(instanceFile(limaHome, name, 'limaYaml')) : undefined;
  return {
    dir,
    dirExists: state.exists,
    exists: state.hasConfig,
    status: state.status,
    ...(owner ? { owner } : {}),
    ...(preparing ? { preparing } : {}),
    ...(limaYaml !== undefined ? { limaYaml } : {}),
    ...(state.hostAgentPid !== undefined ? { hostAgentPid: state.hostAgentPid } : {}),
    lastPhase: lastPhaseOf(readText(instanceFile(limaHome, name, 'haStdout')) ?? ''),
    errors: state.errors,
  };
}

export function writeSentinelFile(limaHome: string, name: string, uid: string): void {
  mkdirSync(rddDir(limaHome), { recursive: true, mode: 0o700 });
  writeFileSync(sentinelPath(limaHome, name), `${uid}\n`, { mode: 0o644 });
}

export function removeSentinelFile(limaHome: string, name: string): void {
  rmSync(sentinelPath(limaHome, name), { force: true });
}

export function writeOwnerMarkerFile(limaHome: string, name: string, uid: string): void {
  writeFileSync(instanceFile(limaHome, name, 'ownerMarker'), `${uid}\n`, { mode: 0o644 });
}

export function writeLimaYamlFile(limaHome: string, name: string, text: string): void {
  const dir = instanceDir(limaHome, name);
  const tmp = join(dir, `.${INSTANCE_FILES.limaYaml}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, join(dir, INSTANCE_FILES.limaYaml));
}

/** lima.yaml is present: `limactl start` will not create the instance from the default template. */
export function hasLimaYaml(limaHome: string, name: string): boolean {
  return existsSync(instanceFile(limaHome, name, 'limaYaml'));
}

/** Pids of the live hostagents under LIMA_HOME (from each instance's ha.pid). */
export function liveHostagentPids(limaHome: string): number[] {
  let names: string[];
  try {
    names = readdirSync(limaHome);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const n of names) {
    if (isReservedEntry(n)) continue;
    const pid = parsePid(readText(instanceFile(limaHome, n, 'haPid')) ?? '');
    if (pid !== undefined && isProcessAlive(pid)) out.push(pid);
  }
  return out;
}
