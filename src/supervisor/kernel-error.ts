// The kernel's own error type. The kernel is a generic actor runtime, not an API server: its
// failures carry a kernel code and a message a person can act on, and nothing HTTP-like. The edges
// that talk to clients (src/transport/server/kernel-errors.ts) turn them into a Status.
// This module imports nothing, so the layers above may depend on it without pulling in the kernel.

export type KernelErrorCode =
  /** kernel.ask: no reply within the timeout. */
  | 'AskTimeout'
  /** kernel.ask: the target stopped (or had stopped) before replying. */
  | 'ActorStopped'
  /** kernel.ask: the request fell out of a full stash while the target was (re)starting. */
  | 'StashFull'
  /** spawn: a live sibling already has this name. */
  | 'DuplicateName'
  /** ctx.spawn: the parent's incarnation has ended. */
  | 'NotSpawnable'
  /** kernel.spawn: the kernel is shutting down. */
  | 'KernelClosed'
  /** A ref that this kernel did not hand out. */
  | 'ForeignRef'
  /** kernel.quiescent: still busy at the timeout. */
  | 'NotQuiescent'
  /** ctx.stop: the target is neither the actor itself nor one of its children. */
  | 'NotAChild'
  /** spawn: the child spec has invalid fields (all of them are named). */
  | 'InvalidSpec';

/** One invalid field of a child spec. */
export interface SpecFieldError {
  /** Dotted field name, e.g. `backoff.maxMs`. */
  readonly field: string;
  readonly message: string;
}

export interface KernelErrorDetails {
  /** The actor the error is about (its path), when there is one. */
  readonly path?: string;
  /** InvalidSpec: every bad field. */
  readonly fields?: readonly SpecFieldError[];
  /** AskTimeout, NotQuiescent: the bound that passed. */
  readonly timeoutMs?: number;
  /** StashFull: the stash capacity of the target. */
  readonly capacity?: number;
}

const brand = Symbol.for('rdd.KernelError');

export class KernelError extends Error {
  readonly [brand] = true;
  override readonly name = 'KernelError';
  constructor(
    readonly code: KernelErrorCode,
    message: string,
    readonly details: KernelErrorDetails = {},
  ) {
    super(message);
  }
}

/** Brand check that works across module copies (no instanceof); with `code`, also checks the code. */
export function isKernelError(e: unknown, code?: KernelErrorCode): e is KernelError {
  if (typeof e !== 'object' || e === null || (e as Record<symbol, unknown>)[brand] !== true) return false;
  return code === undefined || (e as KernelError).code === code;
}
