// Messages a LimaVM actor handles.
import type { HostagentEvent, StartOutcome, StopOutcome } from '../../lima/types.js';
import type { ReconcileMsg } from '../reconciler.js';
import type { OpRequest } from './plan.js';

export type OpOutcome =
  | { readonly kind: 'created' }
  | { readonly kind: 'started'; readonly outcome: StartOutcome }
  | { readonly kind: 'stopped'; readonly outcome: StopOutcome }
  | { readonly kind: 'deleted' };

export interface ShutdownReply {
  readonly name: string;
  readonly forced: boolean;
  readonly stopped: boolean;
}

export type VmMsg =
  | ReconcileMsg<OpRequest, OpOutcome>
  /** From the watcher child; `gen` identifies which watcher (older ones are ignored). */
  | { readonly t: 'hostagent'; readonly gen: number; readonly ev: HostagentEvent }
  /** Daemon shutdown: stop the hostagent gracefully within graceMs, then reply. */
  | { readonly t: 'shutdown'; readonly graceMs: number; readonly reply: (r: ShutdownReply) => void };
