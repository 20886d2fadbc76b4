// What is on disk for one instance, as the LimaVM actor sees it: a thin adapter over the driver's
// `inspect` and its few writes (the file layout is the driver's business, src/lima/layout.ts).
// The `.preparing` sentinel makes creation crash-safe; the owner marker says the instance is ours.
import { INSTANCE_FILES, sentinelPath } from '../../lima/layout.js';
import type { LastHostagentPhase, LimaDriver } from '../../lima/types.js';

export const OWNER_MARKER = INSTANCE_FILES.ownerMarker;
export { sentinelPath };

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

/** Never throws for an expected state; only "the world is broken" IO errors escape. */
export function observeDisk(driver: LimaDriver, name: string): DiskState {
  const i = driver.inspect(name);
  return {
    dir: i.dir,
    exists: i.exists,
    status: i.status,
    ...(i.owner !== undefined ? { owner: i.owner } : {}),
    ...(i.preparing !== undefined ? { preparing: i.preparing } : {}),
    ...(i.limaYaml !== undefined ? { limaYaml: i.limaYaml } : {}),
    errors: i.errors,
  };
}

export function writeSentinel(driver: LimaDriver, name: string, uid: string): void {
  driver.writeSentinel(name, uid);
}

export function removeSentinel(driver: LimaDriver, name: string): void {
  driver.removeSentinel(name);
}

export function writeOwnerMarker(driver: LimaDriver, name: string, uid: string): void {
  driver.writeOwnerMarker(name, uid);
}

/** Replaces lima.yaml atomically (a crash never leaves half a template). */
export function writeLimaYaml(driver: LimaDriver, name: string, text: string): void {
  driver.writeLimaYaml(name, text);
}

/**
 * Where the current hostagent run is, from its whole event stream: what an adopting actor starts
 * from, so replaying old events never shows a running VM as "starting" again.
 */
export function lastHostagentPhase(driver: LimaDriver, name: string): LastHostagentPhase {
  return driver.inspect(name).lastPhase;
}
