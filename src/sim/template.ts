// Template handling, the minimal subset of limayaml the simulator needs: parse, validate (the
// checks of docs/lima.md#mapping-to-lima with Lima's messages), the `--set` subset, and default filling for list.
import { cpus as hostCpus, totalmem } from 'node:os';
import { parse, parseDocument } from 'yaml';
import { q } from './output.js';

export type TemplateDoc = Record<string, unknown>;

/** Stand-in for Lima's template:default. Its images are remote, and the simulator is offline. */
export const DEFAULT_TEMPLATE = `# Built-in default template of rdd-limactl-sim (stands in for Lima's template:default).
minimumLimaVersion: 2.0.0
images:
- location: "https://cloud-images.ubuntu.com/releases/24.04/release/ubuntu-24.04-server-cloudimg-amd64.img"
  arch: "x86_64"
- location: "https://cloud-images.ubuntu.com/releases/24.04/release/ubuntu-24.04-server-cloudimg-arm64.img"
  arch: "aarch64"
mounts:
- location: "~"
`;

export const VM_TYPES = ['qemu', 'vz', 'wsl2', 'krunkit'] as const;
const OSES = ['Linux', 'Darwin', 'FreeBSD', 'Windows'];
const ARCHES = ['x86_64', 'aarch64', 'armv7l', 'ppc64le', 'riscv64', 's390x'];

/** go-units RAMInBytes: binary multiples, optional `i`/`B`, e.g. "4GiB", "512M", "100gb". NaN if invalid. */
export function ramInBytes(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.floor(v) : NaN;
  if (typeof v !== 'string') return NaN;
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(v);
  if (!m) return NaN;
  const pow = { '': 0, k: 1, m: 2, g: 3, t: 4, p: 5 }[(m[2] ?? '').toLowerCase()] ?? 0;
  return Math.floor(Number(m[1]) * 1024 ** pow);
}

export function hostArch(): string {
  return process.arch === 'arm64' ? 'aarch64' : process.arch === 'x64' ? 'x86_64' : process.arch;
}

/** Parses template text. A YAML error or a non-mapping document is an error string. */
export function parseTemplate(text: string): { doc: TemplateDoc } | { error: string } {
  let v: unknown;
  try {
    v = parse(text);
  } catch (e) {
    const first = ((e as Error).message.split('\n')[0] ?? '').trim();
    return { error: `failed to unmarshal YAML: ${first}` };
  }
  if (v === null || v === undefined) return { doc: {} };
  if (typeof v !== 'object' || Array.isArray(v)) return { error: 'failed to unmarshal YAML: the document is not a mapping' };
  return { doc: v as TemplateDoc };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Lima's validation subset; returns every error (Lima joins them with newlines). */
export function validateTemplate(doc: TemplateDoc, text: string): string[] {
  const errs: string[] = [];
  const vmType = doc.vmType;
  if (vmType !== undefined && vmType !== null && !(VM_TYPES as readonly unknown[]).includes(vmType)) {
    errs.push(`vmType ${q(String(vmType))} is not a registered driver`);
  }
  if (doc.os !== undefined && doc.os !== null && !OSES.includes(String(doc.os))) {
    errs.push(`field ${q('os')} must be one of ${OSES.map((o) => JSON.stringify(o)).join(', ')}; got ${JSON.stringify(doc.os)}`);
  }
  if (doc.arch !== undefined && doc.arch !== null && doc.arch !== 'default' && !ARCHES.includes(String(doc.arch))) {
    errs.push(`field ${q('arch')} must be one of ${ARCHES.map((o) => JSON.stringify(o)).join(', ')}; got ${JSON.stringify(doc.arch)}`);
  }
  const images = doc.images;
  if (!Array.isArray(images) || images.length === 0) {
    errs.push(`field ${q('images')} must be set`);
  } else {
    images.forEach((img, i) => {
      if (!isRecord(img) || typeof img.location !== 'string' || img.location === '') {
        errs.push(`field ${q(`images[${i}].location`)} must be set`);
      }
    });
  }
  if (doc.cpus !== undefined && doc.cpus !== null && (doc.cpus === 0 || !Number.isInteger(doc.cpus))) {
    errs.push(`field ${q('cpus')} must be set`);
  }
  for (const field of ['memory', 'disk'] as const) {
    const v = doc[field];
    if (v !== undefined && v !== null && Number.isNaN(ramInBytes(v))) {
      errs.push(`field ${q(field)} has an invalid value: invalid size: '${String(v)}'`);
    }
  }
  const ssh = doc.ssh;
  if (isRecord(ssh) && ssh.localPort !== undefined && ssh.localPort !== null && ssh.localPort !== 0) {
    const p = ssh.localPort;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535 || p === 22) {
      errs.push(`field ${q('ssh.localPort')} must be an integer in 1..65535 other than 22; got ${JSON.stringify(p)}`);
    }
  }
  errs.push(...paramErrors(doc, text));
  return errs;
}

/** Param keys must be identifiers and referenced as `{{.Param.KEY}}` or `PARAM_KEY` somewhere. */
function paramErrors(doc: TemplateDoc, text: string): string[] {
  const param = doc.param;
  if (param === undefined || param === null) return [];
  if (!isRecord(param)) return [`field ${q('param')} must be a mapping`];
  const errs: string[] = [];
  for (const key of Object.keys(param)) {
    if (!/^[a-zA-Z][a-zA-Z0-9_]*$/.test(key)) {
      errs.push(`param ${q(key)} name does not match regex "^[a-zA-Z][a-zA-Z0-9_]*$"`);
      continue;
    }
    const byTemplate = new RegExp(`{{[^}]*\\.Param\\.${key}\\b[^}]*}}`).test(text);
    const byEnv = new RegExp(`PARAM_${key}\\b`).test(text);
    if (!byTemplate && !byEnv) {
      errs.push(`field ${q('param')} key ${q(key)} is not used in any provision, probe, copyToHost, or portForward`);
    }
  }
  return errs;
}

/**
 * Applies a `--set` expression of the supported subset: `.a.b = VALUE` assignments joined with
 * `|`, VALUE being YAML (`2`, `"2GiB"`, `[]`). Comments and layout of the text are kept.
 */
export function applySet(text: string, expr: string): string {
  let doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(doc.errors[0]?.message ?? 'invalid YAML');
  // An empty (or comments-only) document gets an empty mapping to set paths in.
  if (doc.contents === null) doc = parseDocument(`${text}\n{}\n`);
  for (const part of splitPipes(expr)) {
    const m = /^\s*\.([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*=\s*(.+?)\s*$/s.exec(part);
    if (!m) throw new Error(`unsupported expression ${q(part.trim())}: the simulator supports \`.a.b = VALUE\` joined with \`|\``);
    doc.setIn((m[1] ?? '').split('.'), parse(m[2] ?? 'null') as unknown);
  }
  return doc.toString();
}

/** Splits on `|` outside quotes and brackets. */
function splitPipes(expr: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const ch of expr) {
    if (quote !== '') {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
    else if (ch === '|' && depth === 0) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  parts.push(cur);
  return parts;
}

function gib(bytes: number): string {
  const g = bytes / 1024 ** 3;
  return `${Number.isInteger(g) ? g : g.toFixed(3).replace(/0+$/, '')}GiB`;
}

/** The default-filled config shown by `list --json` as `config` (the fields the daemon reads). */
export function fillDefaults(doc: TemplateDoc): TemplateDoc & {
  vmType: string;
  arch: string;
  cpus: number;
  memory: string;
  disk: string;
  ssh: Record<string, unknown> & { localPort: unknown };
} {
  const ssh = isRecord(doc.ssh) ? doc.ssh : {};
  const arch = typeof doc.arch === 'string' && doc.arch !== 'default' ? doc.arch : hostArch();
  const cpus = typeof doc.cpus === 'number' ? doc.cpus : Math.min(4, hostCpus().length);
  const memory = typeof doc.memory === 'string' ? doc.memory : gib(Math.min(4 * 1024 ** 3, Math.floor(totalmem() / 2)));
  return {
    ...doc,
    vmType: typeof doc.vmType === 'string' ? doc.vmType : 'qemu',
    os: typeof doc.os === 'string' ? doc.os : 'Linux',
    arch,
    images: Array.isArray(doc.images) ? doc.images : [],
    cpus,
    memory,
    disk: typeof doc.disk === 'string' ? doc.disk : '100GiB',
    mounts: Array.isArray(doc.mounts) ? doc.mounts : [],
    ssh: { localPort: 0, loadDotSSHPubKeys: false, forwardAgent: false, forwardX11: false, forwardX11Trusted: false, ...ssh },
  };
}

/** The image location the "download" would use: the first entry for the instance's arch. */
export function imageLocation(doc: TemplateDoc): string {
  const arch = typeof doc.arch === 'string' && doc.arch !== 'default' ? doc.arch : hostArch();
  const images = Array.isArray(doc.images) ? doc.images.filter(isRecord) : [];
  const match = images.find((i) => (i.arch ?? hostArch()) === arch) ?? images[0];
  return typeof match?.location === 'string' ? match.location : '';
}
