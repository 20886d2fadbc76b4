// Parses `limactl list --json`: NDJSON, one compact object per line (docs/lima.md#calls), possibly empty.
import type { LimaInstance } from '../types.js';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** v2 prints errors as strings; v1 marshalled Go errors as `{}`, kept as JSON text. */
function errorList(v: unknown): readonly string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
}

/** The daemon's view of one list object; undefined when it lacks a name. */
export function toLimaInstance(o: Record<string, unknown>): LimaInstance | undefined {
  const name = str(o.name);
  if (name === undefined) return undefined;
  const optional: Record<string, unknown> = {
    vmType: str(o.vmType) || undefined,
    arch: str(o.arch) || undefined,
    cpus: num(o.cpus),
    memory: num(o.memory),
    sshLocalPort: num(o.sshLocalPort),
    hostAgentPID: num(o.hostAgentPID),
    driverPID: num(o.driverPID) ?? num(o.qemuPID),
    errors: errorList(o.errors),
  };
  const present = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined));
  return { name, status: str(o.status) ?? '', dir: str(o.dir) ?? '', ...present } as LimaInstance;
}

/** Every instance printed, or the first line that is not a list object. */
export function parseListOutput(stdout: string): { ok: true; instances: LimaInstance[] } | { ok: false; message: string } {
  const instances: LimaInstance[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      return { ok: false, message: `limactl list printed a line that is not JSON: ${line.slice(0, 200)}` };
    }
    const inst = typeof o === 'object' && o !== null && !Array.isArray(o) ? toLimaInstance(o as Record<string, unknown>) : undefined;
    if (!inst) return { ok: false, message: `limactl list printed an object without a name: ${line.slice(0, 200)}` };
    instances.push(inst);
  }
  return { ok: true, instances };
}
