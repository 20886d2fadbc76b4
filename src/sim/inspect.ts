// Instance status exactly as docs/lima.md#instance-directory computes it: load + validate lima.yaml (error ⇒ status
// ""), ha.pid liveness (stale file removed), a /v1/info probe of ha.sock (failure ⇒ Broken), the
// driver's <vmType>.pid, then the total switch Running / Stopped / Broken with a sentence.
// It never throws for a broken instance: problems are collected in `errors`.
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { LIMA_TIMEOUTS, scaled } from './faults.js';
import { FILES, driverPidFile, instDir } from './files.js';
import { q } from './output.js';
import { readPidFile } from './procs.js';
import { fillDefaults, parseTemplate, validateTemplate, type TemplateDoc } from './template.js';

export type SimStatus = 'Running' | 'Stopped' | 'Broken' | '';

export interface Inspection {
  name: string;
  dir: string;
  status: SimStatus;
  errors: string[];
  /** The user template (parsed), absent when lima.yaml is unreadable or invalid. */
  doc?: TemplateDoc;
  vmType: string;
  arch: string;
  hostAgentPID: number;
  driverPID: number;
  sshLocalPort: number;
  protected: boolean;
  limaVersion: string;
}

/** lima.yaml cannot be read: real Lima's inspection error ("does not exist" for list). */
export interface Missing {
  missing: true;
  dirExists: boolean;
  error: string;
}

export function isMissing(x: Inspection | Missing): x is Missing {
  return 'missing' in x;
}

/** GET /v1/info on the hostagent socket; resolves with the body or rejects with a reason. */
export function probeInfo(sock: string, timeoutMs: number): Promise<{ sshLocalPort?: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, path: '/v1/info', method: 'GET', signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`unexpected status ${res.statusCode ?? 0}: ${body.trim()}`));
        try {
          resolve(JSON.parse(body) as { sshLocalPort?: number });
        } catch (e) {
          reject(e as Error);
        }
      });
      res.on('error', reject);
    });
    req.on('error', (e: Error) => reject(e.name === 'AbortError' ? new Error('context deadline exceeded') : e));
    req.end();
  });
}

/** `Port N` from a leftover ssh.config, 0 when absent. */
export function sshPortFromConfig(dir: string): number {
  try {
    const m = /^\s*Port\s+(\d+)\s*$/m.exec(readFileSync(join(dir, FILES.sshConfig), 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function readTrim(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

export async function inspect(limaHome: string, name: string): Promise<Inspection | Missing> {
  const dir = instDir(limaHome, name);
  const yamlPath = join(dir, FILES.limaYaml);
  let text: string;
  try {
    text = readFileSync(yamlPath, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === 'ENOENT' ? 'no such file or directory' : err.message;
    return { missing: true, dirExists: existsSync(dir), error: `open ${yamlPath}: ${reason}` };
  }
  const base: Inspection = {
    name,
    dir,
    status: '',
    errors: [],
    vmType: '',
    arch: '',
    hostAgentPID: 0,
    driverPID: 0,
    sshLocalPort: 0,
    protected: existsSync(join(dir, FILES.protected)),
    limaVersion: readTrim(join(dir, FILES.limaVersion)),
  };
  const parsed = parseTemplate(text);
  if ('error' in parsed) return { ...base, errors: [parsed.error] };
  const invalid = validateTemplate(parsed.doc, text);
  if (invalid.length > 0) return { ...base, errors: invalid };

  const filled = fillDefaults(parsed.doc);
  const inst: Inspection = { ...base, doc: parsed.doc, vmType: filled.vmType, arch: filled.arch };
  let broken = false;

  const ha = readPidFile(join(dir, FILES.haPid));
  if (ha.kind === 'garbage') {
    broken = true;
    inst.errors.push(ha.error);
  } else if (ha.kind === 'alive') {
    inst.hostAgentPID = ha.pid;
    const sock = join(dir, FILES.haSock);
    try {
      const info = await probeInfo(sock, scaled(LIMA_TIMEOUTS.socketProbe));
      inst.sshLocalPort = typeof info.sshLocalPort === 'number' ? info.sshLocalPort : 0;
    } catch (e) {
      broken = true;
      inst.errors.push(`failed to get Info from ${q(sock)}: ${(e as Error).message}`);
    }
  }

  const drv = readPidFile(join(dir, driverPidFile(inst.vmType)));
  if (drv.kind === 'garbage') {
    broken = true;
    inst.errors.push(drv.error);
  } else if (drv.kind === 'alive') {
    inst.driverPID = drv.pid;
  }

  if (inst.hostAgentPID === 0) {
    inst.sshLocalPort = sshPortFromConfig(dir) || (typeof filled.ssh.localPort === 'number' ? filled.ssh.localPort : 0);
  }
  if (broken) {
    inst.status = 'Broken';
  } else if (inst.hostAgentPID !== 0 && inst.driverPID !== 0) {
    inst.status = 'Running';
  } else if (inst.hostAgentPID === 0 && inst.driverPID === 0) {
    inst.status = 'Stopped';
  } else if (inst.hostAgentPID !== 0) {
    inst.status = 'Broken';
    inst.errors.push('host agent is running but driver is not');
  } else {
    inst.status = 'Broken';
    inst.errors.push(`${inst.vmType} driver is running but host agent is not`);
  }
  return inst;
}
