// JSON merge patch (RFC 7386): objects merge recursively, null deletes a member, anything else
// (arrays included) replaces the target wholesale. Inputs are never mutated.
import { define, isPlainObject } from './codec.js';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = {};
  if (isPlainObject(target)) for (const [k, v] of Object.entries(target)) define(out, k, v);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else define(out, k, mergePatch(out[k], v));
  }
  return out;
}
