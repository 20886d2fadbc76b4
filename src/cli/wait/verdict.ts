// What a wait predicate answers. Kept apart from wait.ts (which watches the daemon's pid) so the
// predicates also run in the browser's status page.
export type Verdict = { readonly kind: 'wait' } | { readonly kind: 'done' } | { readonly kind: 'failed'; readonly message: string };
export const WAIT: Verdict = { kind: 'wait' };
export const DONE: Verdict = { kind: 'done' };
export const failed = (message: string): Verdict => ({ kind: 'failed', message });
