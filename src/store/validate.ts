// Object-level rules the store enforces for every kind: scope, names, metadata shape.
// Kind-specific rules (schemas, hooks) belong to admission.
import {
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  kindInfo,
  NAMESPACE_KIND,
  type KindInfo,
  type ObjectMeta,
  type StatusCause,
} from '../api/index.js';
import { isPlainObject } from './codec.js';
import * as E from './errors.js';
import { labelValueErrors, qualifiedNameErrors } from './labels.js';

/** One object's identity after scope checks: ns is '' for cluster-scoped kinds. */
export interface Target {
  readonly info: KindInfo;
  readonly ns: string;
  readonly name: string;
}

export function mustKind(kind: string): KindInfo {
  const info = kindInfo(kind);
  if (!info) throw E.unknownKind(kind);
  return info;
}

/**
 * Applies scope rules: a namespaced kind needs a namespace (400); a cluster-scoped kind takes
 * none (a non-empty one is 400 when `strict`, i.e. for a body sent on create/update, and ignored
 * on reads, where callers pass whatever namespace they have).
 */
export function target(info: KindInfo, ns: string | undefined, name: string, strict = false): Target {
  if (info.namespaced) {
    if (!ns) throw E.namespaceRequired(info, name);
    return { info, ns, name };
  }
  if (strict && ns) throw E.namespaceNotAllowed(info, name, ns);
  return { info, ns: '', name };
}

function nameCauses(info: KindInfo, name: unknown): StatusCause[] {
  if (typeof name !== 'string' || name === '') {
    return [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name is required' }];
  }
  const problems = info.kind === NAMESPACE_KIND ? dns1123LabelErrors(name) : dns1123SubdomainErrors(name);
  return problems.map((p) => ({
    field: 'metadata.name',
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${JSON.stringify(name)}: ${p}`,
  }));
}

function stringMapCauses(field: string, m: unknown, checkValues: boolean): StatusCause[] {
  if (m === undefined) return [];
  if (!isPlainObject(m)) {
    return [{ field, reason: 'FieldValueInvalid', message: 'Invalid value: must be a map of strings' }];
  }
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(m)) {
    for (const p of qualifiedNameErrors(k)) {
      out.push({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(k)}: ${p}` });
    }
    if (typeof v !== 'string') {
      out.push({ field: `${field}.${k}`, reason: 'FieldValueInvalid', message: 'Invalid value: must be a string' });
    } else if (checkValues) {
      for (const p of labelValueErrors(v)) {
        out.push({ field: `${field}.${k}`, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(v)}: ${p}` });
      }
    }
  }
  return out;
}

function finalizerCauses(f: unknown): StatusCause[] {
  if (f === undefined) return [];
  if (!Array.isArray(f)) {
    return [{ field: 'metadata.finalizers', reason: 'FieldValueInvalid', message: 'Invalid value: must be a list of strings' }];
  }
  const out: StatusCause[] = [];
  f.forEach((x: unknown, i) => {
    const field = `metadata.finalizers[${i}]`;
    if (typeof x !== 'string') out.push({ field, reason: 'FieldValueInvalid', message: 'Invalid value: must be a string' });
    else for (const p of qualifiedNameErrors(x)) out.push({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(x)}: ${p}` });
  });
  return out;
}

function ownerRefCauses(refs: unknown): StatusCause[] {
  if (refs === undefined) return [];
  const field = 'metadata.ownerReferences';
  if (!Array.isArray(refs)) return [{ field, reason: 'FieldValueInvalid', message: 'Invalid value: must be a list' }];
  const out: StatusCause[] = [];
  const controllers: string[] = [];
  refs.forEach((r: unknown, i) => {
    if (!isPlainObject(r)) {
      out.push({ field: `${field}[${i}]`, reason: 'FieldValueInvalid', message: 'Invalid value: must be an object' });
      return;
    }
    for (const k of ['apiVersion', 'kind', 'name', 'uid']) {
      if (typeof r[k] !== 'string' || r[k] === '') {
        out.push({ field: `${field}[${i}].${k}`, reason: 'FieldValueRequired', message: `Required value: ${k} must not be empty` });
      }
    }
    if (r.controller === true) controllers.push(`${String(r.kind)}/${String(r.name)}`);
  });
  if (controllers.length > 1) {
    out.push({
      field,
      reason: 'FieldValueInvalid',
      message: `Invalid value: Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`,
    });
  }
  return out;
}

/** Validates the client-writable metadata of an object about to be stored; 422 with every cause. */
export function validateMeta(info: KindInfo, meta: Partial<ObjectMeta>): void {
  const causes = [
    ...nameCauses(info, meta.name),
    ...stringMapCauses('metadata.labels', meta.labels, true),
    ...stringMapCauses('metadata.annotations', meta.annotations, false),
    ...finalizerCauses(meta.finalizers),
    ...ownerRefCauses(meta.ownerReferences),
  ];
  if (causes.length > 0) throw E.invalid(info, typeof meta.name === 'string' ? meta.name : '', causes);
}
