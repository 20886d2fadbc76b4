// The kernel's client-facing failures, as ApiErrors with a sentence a person can act on.
import { ApiError, errors } from '../api/errors.js';
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
    errors.timeout(`actor ${path} did not reply within ${ms} ms; it may be busy or stuck (see its log lines)`),
  askStopped: (path: string, reason: Reason) =>
    new ApiError(503, 'ServiceUnavailable', `actor ${path} stopped (${describeReason(reason)}) before replying`, {
      name: path,
    }),
  askDropped: (path: string, capacity: number) =>
    new ApiError(
      429,
      'TooManyRequests',
      `actor ${path} is (re)starting and its stash is full (capacity ${capacity}); retry shortly`,
      { name: path, retryAfterSeconds: 1 },
    ),
  duplicateName: (path: string) => errors.alreadyExists('actor', path),
  notSpawnable: (path: string, why: string) => errors.conflict('actor', path, why),
  kernelClosed: () => errors.unavailable('the actor kernel is shutting down; no new top-level actors are accepted'),
  foreignRef: (what: string) =>
    errors.badRequest(`${what} is not an actor reference of this kernel (refs come from spawn, ctx.self or ctx.child)`),
  notQuiescent: (ms: number, what: string) =>
    errors.timeout(`the actor kernel was not quiescent within ${ms} ms (${what}); something keeps scheduling work`),
  notAChild: (self: string, target: string) =>
    errors.badRequest(`actor ${self} may stop only itself or its own children, not ${target}; use kernel.stop instead`),
} as const;

/** A handler returned undefined: it forgot `return state`. A defect, so it is a crash. */
export function undefinedState(path: string, handler: string): Error {
  return new Error(`${handler} of actor ${path} returned undefined; a handler must return the next state`);
}
