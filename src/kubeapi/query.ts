// Query parameters of the Kubernetes API: field selectors, dryRun, resourceVersion, paging,
// watch options. Every parse error is a 400 Status that names the parameter.
import { errors, type KindInfo, type Resource } from '../api/index.js';

export interface FieldRequirement {
  readonly field: 'metadata.name' | 'metadata.namespace';
  readonly op: '=' | '!=';
  readonly value: string;
}

const FIELDS = new Set(['metadata.name', 'metadata.namespace']);

/** `metadata.name=x,metadata.namespace!=y` (operators `=`, `==`, `!=`). */
export function parseFieldSelector(s: string | null, kind: KindInfo): FieldRequirement[] {
  if (s === null || s.trim() === '') return [];
  return s.split(',').map((part) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    const field = m?.[1];
    if (!m || field === undefined) throw errors.badRequest(`invalid field selector "${s}": "${part}" is not <field>=<value>, <field>==<value> or <field>!=<value>`);
    if (!FIELDS.has(field)) {
      throw errors.badRequest(`field label not supported: ${field} (${kind.resource} supports metadata.name and metadata.namespace)`);
    }
    return { field: field as FieldRequirement['field'], op: m[2] === '!=' ? '!=' : '=', value: m[3] ?? '' };
  });
}

export function fieldsMatch(reqs: readonly FieldRequirement[], obj: Resource): boolean {
  return reqs.every((r) => {
    const v = r.field === 'metadata.name' ? obj.metadata.name : (obj.metadata.namespace ?? '');
    return r.op === '=' ? v === r.value : v !== r.value;
  });
}

/** The one name an `=` requirement pins (lets the store look one object up). */
export function pinnedName(reqs: readonly FieldRequirement[]): string | undefined {
  return reqs.find((r) => r.field === 'metadata.name' && r.op === '=')?.value;
}

export function pinnedNamespace(reqs: readonly FieldRequirement[]): string | undefined {
  return reqs.find((r) => r.field === 'metadata.namespace' && r.op === '=')?.value;
}

/** `dryRun=All` is the only value Kubernetes defines. */
export function parseDryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  if (values.length === 0) return false;
  for (const v of values) {
    if (v !== 'All') throw errors.badRequest(`invalid dryRun value "${v}": the only supported value is "All"`);
  }
  return true;
}

export function parseBool(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (v === '' || v === '1' || v === 'true' || v === 'True') return true;
  if (v === '0' || v === 'false' || v === 'False') return false;
  throw errors.badRequest(`invalid ${name} value "${v}": want true or false`);
}

export function parseNonNegativeInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^[0-9]{1,15}$/.test(v)) throw errors.badRequest(`invalid ${name} value "${v}": want a non-negative integer`);
  return Number(v);
}

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export function parseFieldValidation(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Ignore' || v === 'Warn' || v === 'Strict') return v;
  throw errors.badRequest(`invalid fieldValidation value "${v}": want Ignore, Warn or Strict`);
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

/** Continue tokens: where the previous page ended, and the revision of its list. */
export interface ContinueToken {
  readonly rv: number;
  /** `<namespace>/<name>` of the last item returned. */
  readonly after: string;
}

export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 1, rv: t.rv, after: t.after })).toString('base64url');
}

export function decodeContinue(s: string): ContinueToken {
  try {
    const o = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as { v?: unknown; rv?: unknown; after?: unknown };
    if (o.v === 1 && typeof o.rv === 'number' && typeof o.after === 'string') return { rv: o.rv, after: o.after };
  } catch {
    // Falls through to the error below.
  }
  throw errors.badRequest('invalid continue token: pass the "continue" value of the previous list unchanged');
}
