// `rdd ctl apply -f FILE|-`: create what is missing, update what exists. An update sends the
// server's object with the file's spec/data and the file's labels and annotations merged in (keys
// the file does not mention are kept; nothing server-owned is dropped), at the server's
// resourceVersion, retried on a conflict.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { isConflict, isNotFound, resolveKind, type Resource, type ResourceInput } from '../../api/index.js';
import type { Cli, Session } from '../context.js';
import { CliError, exitCodeOf, messageOf, usageError } from '../exit.js';

type Json = Record<string, unknown>;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The objects in a YAML or JSON text: every document, with `kind: List` items expanded. */
export function parseManifest(text: string, source: string): Json[] {
  const out: Json[] = [];
  for (const doc of parseAllDocuments(text)) {
    let v: unknown;
    try {
      const [yamlError] = doc.errors;
      if (yamlError) throw yamlError;
      v = doc.toJS(); // throws on an alias to no anchor, which the parser accepts
    } catch (e) {
      throw new CliError(`cannot parse ${source}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (v === null || v === undefined) continue;
    if (typeof v !== 'object' || Array.isArray(v)) throw new CliError(`${source}: every document must be an object`);
    const o = v as Json;
    if (o.kind === 'List' && Array.isArray(o.items)) out.push(...(o.items as Json[]));
    else out.push(o);
  }
  if (out.length === 0) throw new CliError(`${source} contains no objects`);
  return out;
}

export async function readManifest(file: string): Promise<Json[]> {
  if (file === '-') return parseManifest(await readStdin(), 'stdin');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  return parseManifest(text, file);
}

const mergeMap = (base: unknown, over: unknown): Record<string, string> | undefined => {
  if (over === undefined) return base as Record<string, string> | undefined;
  return { ...((base as Record<string, string> | undefined) ?? {}), ...(over as Record<string, string>) };
};

/** The object to send as an update: the server's, with the file's content applied. */
export function mergeForUpdate(existing: Resource, desired: Json): Resource {
  const meta = (desired.metadata ?? {}) as Json;
  const out: Resource = { ...existing, metadata: { ...existing.metadata } };
  const labels = mergeMap(existing.metadata.labels, meta.labels);
  const annotations = mergeMap(existing.metadata.annotations, meta.annotations);
  if (labels) out.metadata.labels = labels;
  if (annotations) out.metadata.annotations = annotations;
  if ('spec' in desired) out.spec = desired.spec;
  if ('data' in desired) out.data = desired.data as Record<string, string>;
  delete out.status;
  return out;
}

async function applyOne(s: Session, doc: Json, defaultNs: string, dryRun: boolean): Promise<string> {
  const kindName = typeof doc.kind === 'string' ? doc.kind : '';
  const kind = resolveKind(kindName);
  const meta = (doc.metadata ?? {}) as Json;
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (!kind || kind.kind !== kindName) throw usageError(`unknown kind "${kindName}" (apiVersion ${String(doc.apiVersion)})`);
  if (!name) throw usageError(`a ${kind.kind} without metadata.name`);
  const apiVersion = doc.apiVersion ?? kind.apiVersion;
  if (typeof apiVersion !== 'string') throw usageError(`${kind.kind} "${name}": apiVersion must be a string`);
  const namespace = kind.namespaced ? (typeof meta.namespace === 'string' ? meta.namespace : defaultNs) : undefined;
  const label = `${kind.singular}/${name}`;
  const dry = dryRun ? ' (dry run)' : '';
  for (let attempt = 0; ; attempt++) {
    let existing: Resource | undefined;
    try {
      existing = await s.client.get(kind.kind, name, namespace !== undefined ? { namespace } : {});
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    try {
      if (!existing) {
        const obj: ResourceInput = { ...doc, apiVersion, kind: kind.kind, metadata: { ...meta, name, ...(namespace ? { namespace } : {}) } };
        await s.client.create(obj, dryRun ? { dryRun: true } : {});
        return `${label} created${dry}`;
      }
      const res = await s.client.update(mergeForUpdate(existing, doc), dryRun ? { dryRun: true } : {});
      return `${label} ${res.metadata.resourceVersion === existing.metadata.resourceVersion ? 'unchanged' : 'configured'}${dry}`;
    } catch (e) {
      // Someone wrote in between (or created it first): read again and retry a few times.
      if (attempt < 4 && (isConflict(e) || (!existing && (e as { reason?: string }).reason === 'AlreadyExists'))) continue;
      throw e;
    }
  }
}

/** Applies every object in order; failures are reported and the first one decides the exit code. */
export async function applyDocuments(cli: Cli, s: Session, docs: readonly Json[], f: { namespace: string; dryRun: boolean }): Promise<void> {
  let first: unknown;
  let failures = 0;
  for (const doc of docs) {
    try {
      cli.out(await applyOne(s, doc, f.namespace, f.dryRun));
    } catch (e) {
      if (docs.length === 1) throw e;
      first ??= e;
      failures++;
      cli.err(`error: ${messageOf(e) ?? String(e)}`);
    }
  }
  if (first !== undefined) throw new CliError(`${failures} of ${docs.length} objects were not applied`, exitCodeOf(first));
}
