// Broken is normal for a moment during transitions (ha.pid written before qemu.pid, or QEMU gone
// before the hostagent, docs/lima.md#instance-directory): report it only once it has lasted `holdMs`. Pure.
import type { InstanceDirState } from '../types.js';

export type ObservedStatus = InstanceDirState['status'];

export interface DebouncedStatus {
  /** What to report: the observed status, except a Broken younger than holdMs. */
  readonly status: ObservedStatus;
  /** When the current Broken streak began (epoch ms), if Broken is being observed. */
  readonly brokenSince?: number;
}

/** Folds one observation into the debounced status. Before any report, a young Broken reads as Stopped. */
export function debounceBroken(
  prev: DebouncedStatus | undefined,
  observed: ObservedStatus,
  now: number,
  holdMs: number,
): DebouncedStatus {
  if (observed !== 'Broken') return { status: observed };
  const brokenSince = prev?.brokenSince ?? now;
  if (now - brokenSince >= holdMs) return { status: 'Broken', brokenSince };
  return { status: prev?.status ?? 'Stopped', brokenSince };
}
