// Reads an instance directory the way Lima's store.Inspect does (docs/lima.md#instance-directory), without running
// limactl: lima.yaml presence, ha.pid and <vmType>.pid liveness, stale pid cleanup. Observation
// never fails halfway: every problem becomes a sentence in `errors`, only absence differs in kind.
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { INSTANCE_FILES, driverPidFileName } from '../layout.js';
import type { InstanceDirState } from '../types.js';
import { isProcessAlive, parsePid } from './process.js';

interface PidRead {
  readonly pid: number;
  readonly error?: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

// A dead pid's file is removed, as Lima's ReadPIDFile does; re-read first so a file another
// process just rewrote with a live pid is not lost.
function readPidFile(path: string, label: string): PidRead {
  const text = readText(path);
  if (text === undefined) return { pid: 0 };
  const pid = parsePid(text);
  if (pid === undefined) return { pid: 0, error: `${label} pid file ${path} does not hold a pid: ${JSON.stringify(text.slice(0, 40))}` };
  if (isProcessAlive(pid)) return { pid };
  if (readText(path) === text) rmSync(path, { force: true });
  return { pid: 0 };
}

/** vmType from lima.yaml (`qemu` when unset); undefined when the file does not parse. */
function vmTypeOf(configText: string): { vmType: string; error?: string } {
  try {
    const doc = parseYaml(configText) as unknown;
    const v = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>).vmType : undefined;
    return { vmType: typeof v === 'string' && /^[a-z0-9]+$/.test(v) ? v : 'qemu' };
  } catch (e) {
    return { vmType: 'qemu', error: `lima.yaml does not parse: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
}

/** Status and live pids of the instance in `dir`; cleans up stale pid files. */
export function readInstanceDir(dir: string): InstanceDirState {
  try {
    if (!statSync(dir).isDirectory()) return { exists: false, hasConfig: false, status: 'Missing', errors: [`${dir} is not a directory`] };
  } catch {
    return { exists: false, hasConfig: false, status: 'Missing', errors: [] };
  }
  const errors: string[] = [];
  const config = readText(join(dir, INSTANCE_FILES.limaYaml));
  const hasConfig = config !== undefined;
  if (!hasConfig) errors.push(`the instance directory ${dir} has no lima.yaml`);
  const { vmType, error: yamlError } = hasConfig ? vmTypeOf(config) : { vmType: 'qemu' };
  if (yamlError !== undefined) errors.push(yamlError);

  const ha = readPidFile(join(dir, INSTANCE_FILES.haPid), 'host agent');
  const drv = readPidFile(join(dir, driverPidFileName(vmType)), `${vmType} driver`);
  for (const r of [ha, drv]) if (r.error !== undefined) errors.push(r.error);

  let status: InstanceDirState['status'];
  if (ha.pid > 0 && drv.pid > 0) status = 'Running';
  else if (ha.pid === 0 && drv.pid === 0) status = 'Stopped';
  else {
    status = 'Broken';
    errors.push(ha.pid > 0 ? 'host agent is running but driver is not' : `${vmType} driver is running but host agent is not`);
  }
  // A garbage pid file or a missing lima.yaml is Broken whatever the processes say.
  if (!hasConfig || ha.error !== undefined || drv.error !== undefined) status = 'Broken';
  return {
    exists: true,
    hasConfig,
    status,
    errors,
    ...(ha.pid > 0 ? { hostAgentPid: ha.pid } : {}),
    ...(drv.pid > 0 ? { driverPid: drv.pid } : {}),
  };
}
