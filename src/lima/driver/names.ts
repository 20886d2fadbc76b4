// Instance names are checked before anything is spawned or written: they become paths
// ($LIMA_HOME/NAME, <tmp>/NAME.yaml) and argv entries.
import { limaInstanceNameErrors } from '../../api/names.js';

/** Throws a TypeError quoting the value when `name` is not a Lima instance name. */
export function assertInstanceName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`Lima instance name must be a string, got ${typeof name}: ${String(name)}`);
  const problems = limaInstanceNameErrors(name);
  if (name.startsWith('_') || name.startsWith('.')) problems.push('must not start with "_" or "." (reserved by Lima)');
  if (problems.length > 0) throw new TypeError(`invalid Lima instance name ${JSON.stringify(name)}: ${problems.join('; ')}`);
}

/** A Go duration for `--timeout`: whole seconds when exact, else milliseconds. */
export function goDuration(ms: number): string {
  const n = Math.max(1, Math.ceil(ms));
  return n % 1000 === 0 ? `${n / 1000}s` : `${n}ms`;
}
