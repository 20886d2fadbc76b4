// The kernel's failures, as KernelErrors (kernel-error.ts) with a sentence a person can act on.
import { KernelError, type SpecFieldError } from './kernel-error.js';
import type { Reason } from './types.js';

/** 'normal' | 'shutdown' | 'deleted' | 'error: <message>' (for log lines and error messages). */
export function describeReason(r: Reason): string {
  if (typeof r === 'string') return r;
  const e = r.error;
  return `error: ${e instanceof Error ? e.message : String(e)}`;
}

export const isCrash = (r: Reason): r is { readonly error: unknown } => typeof r === 'object';

export const kernelErrors = {
  askTimeout: (path: string, ms: number) =>
    new KernelError('AskTimeout', `actor ${path} did not reply within ${ms} ms; it may be busy or stuck (see its log lines)`, {
      path,
      timeoutMs: ms,
    }),
  askStopped: (path: string, reason: Reason) =>
    new KernelError('ActorStopped', `actor ${path} stopped (${describeReason(reason)}) before replying`, { path }),
  askDropped: (path: string, capacity: number) =>
    new KernelError('StashFull', `actor ${path} is (re)starting and its stash is full (capacity ${capacity}); retry shortly`, {
      path,
      capacity,
    }),
  duplicateName: (path: string) =>
    new KernelError('DuplicateName', `an actor ${path} already exists; use another name, or wait until it has stopped`, { path }),
  notSpawnable: (path: string, why: string) =>
    new KernelError('NotSpawnable', `cannot spawn actor ${path}: ${why}`, { path }),
  kernelClosed: () =>
    new KernelError('KernelClosed', 'the actor kernel is shutting down; no new top-level actors are accepted'),
  foreignRef: (what: string) =>
    new KernelError('ForeignRef', `${what} is not an actor reference of this kernel (refs come from spawn, ctx.self or ctx.child)`),
  notQuiescent: (ms: number, what: string) =>
    new KernelError('NotQuiescent', `the actor kernel was not quiescent within ${ms} ms (${what}); something keeps scheduling work`, {
      timeoutMs: ms,
    }),
  notAChild: (self: string, target: string) =>
    new KernelError('NotAChild', `actor ${self} may stop only itself or its own children, not ${target}; use kernel.stop instead`, {
      path: target,
    }),
  invalidSpec: (name: string, fields: readonly SpecFieldError[]) =>
    new KernelError(
      'InvalidSpec',
      `actor spec "${name}" is invalid: ${fields.map((f) => `${f.field}: ${f.message}`).join(', ')}`,
      { fields },
    ),
} as const;

/** A handler returned undefined: it forgot `return state`. A defect, so it is a crash. */
export function undefinedState(path: string, handler: string): Error {
  return new Error(`${handler} of actor ${path} returned undefined; a handler must return the next state`);
}
