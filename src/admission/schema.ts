// Structural defaults and schema validation from a kind's TypeBox schemas, reported the way
// the Kubernetes API server reports CRD schema errors: one StatusCause per field.
import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import type { KindInfo, Resource, StatusCause } from '../api/index.js';
import { invalid } from './errors.js';

type Part = 'content' | 'status';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function partOf(info: KindInfo, part: Part): { field: 'spec' | 'data' | 'status'; schema: TSchema } | undefined {
  if (part === 'status') return info.statusSchema ? { field: 'status', schema: info.statusSchema } : undefined;
  return info.specField && info.specSchema ? { field: info.specField, schema: info.specSchema } : undefined;
}

/** Fills schema defaults into `obj` in place (spec/data, or status). */
export function applyDefaults(info: KindInfo, obj: Resource, part: Part): void {
  const p = partOf(info, part);
  if (!p) return;
  const value: unknown = obj[p.field];
  if (value === undefined && part === 'status') return;
  const next: unknown = Value.Default(p.schema, value);
  // The defaulted value has the schema's shape, which the types of `obj` do not carry.
  if (next !== undefined) Reflect.set(obj, p.field, next);
}

const TYPE_NAMES: Partial<Record<ValueErrorType, string>> = {
  [ValueErrorType.Boolean]: 'boolean',
  [ValueErrorType.String]: 'string',
  [ValueErrorType.Integer]: 'integer',
  [ValueErrorType.Number]: 'number',
  [ValueErrorType.Object]: 'object',
  [ValueErrorType.Array]: 'array',
};

function show(v: unknown): string {
  return v === undefined ? 'null' : JSON.stringify(v);
}

function fieldOf(prefix: string, pointer: string): string {
  if (pointer === '') return prefix;
  const parts = pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  return [prefix, ...parts].join('.');
}

function literals(schema: TSchema): unknown[] | undefined {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!anyOf || !anyOf.every((s) => 'const' in s)) return undefined;
  return anyOf.map((s) => (s as { const?: unknown }).const);
}

function causeOf(e: ValueError, field: string): StatusCause {
  const s = e.schema as Record<string, unknown>;
  const invalid = (why: string): StatusCause => ({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${show(e.value)}: ${why}` });
  const typeName = TYPE_NAMES[e.type];
  if (typeName) return invalid(`must be of type ${typeName}`);
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return { field, reason: 'FieldValueRequired', message: 'Required value' };
    case ValueErrorType.ObjectAdditionalProperties:
      return { field, reason: 'FieldValueForbidden', message: 'Forbidden: unknown field' };
    case ValueErrorType.Union: {
      const allowed = literals(e.schema);
      return allowed
        ? { field, reason: 'FieldValueNotSupported', message: `Unsupported value: ${show(e.value)}: supported values: ${allowed.map(show).join(', ')}` }
        : invalid(e.message);
    }
    case ValueErrorType.Literal:
      return { field, reason: 'FieldValueNotSupported', message: `Unsupported value: ${show(e.value)}: supported values: ${show(s.const)}` };
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return invalid(`should be greater than or equal to ${String(s.minimum)}`);
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return invalid(`should be less than or equal to ${String(s.maximum)}`);
    case ValueErrorType.StringMinLength:
      return invalid(`should be at least ${String(s.minLength)} chars long`);
    case ValueErrorType.StringMaxLength:
      return { field, reason: 'FieldValueTooLong', message: `Too long: may not be more than ${String(s.maxLength)} bytes` };
    case ValueErrorType.StringPattern:
      return invalid(`should match '${String(s.pattern)}'`);
    default:
      return invalid(e.message);
  }
}

/**
 * Keys of a TypeBox Record with a key pattern: TypeBox emits patternProperties without
 * additionalProperties: false, so a JSON Schema validator accepts any key. The Record's key
 * pattern is meant as a rule, so it is enforced here.
 */
function recordKeyCauses(schema: TSchema, value: unknown, field: string, out: StatusCause[]): void {
  const s = schema as { patternProperties?: Record<string, TSchema>; additionalProperties?: unknown; properties?: Record<string, TSchema>; items?: TSchema };
  const items = s.items;
  if (Array.isArray(value) && items) {
    value.forEach((v, i) => recordKeyCauses(items, v, `${field}[${i}]`, out));
    return;
  }
  if (!isObject(value)) return;
  if (s.patternProperties && s.additionalProperties === undefined) {
    const patterns = Object.entries(s.patternProperties).map(([p, sub]) => ({ p, re: new RegExp(p), sub }));
    for (const [k, v] of Object.entries(value)) {
      const m = patterns.find((x) => x.re.test(k));
      if (m) recordKeyCauses(m.sub, v, `${field}.${k}`, out);
      else {
        out.push({
          field: `${field}.${k}`,
          reason: 'FieldValueInvalid',
          message: `Invalid value: ${JSON.stringify(k)}: key should match '${patterns.map((x) => x.p).join("' or '")}'`,
        });
      }
    }
  }
  for (const [k, sub] of Object.entries(s.properties ?? {})) {
    if (value[k] !== undefined) recordKeyCauses(sub, value[k], `${field}.${k}`, out);
  }
}

/** Every schema problem of `value` under `prefix`, one cause per field (the first found). */
export function schemaCauses(schema: TSchema, value: unknown, prefix: string): StatusCause[] {
  const byField = new Map<string, StatusCause>();
  for (const e of Value.Errors(schema, value)) {
    const field = fieldOf(prefix, e.path);
    if (!byField.has(field)) byField.set(field, causeOf(e, field));
  }
  const keys: StatusCause[] = [];
  recordKeyCauses(schema, value, prefix, keys);
  for (const c of keys) {
    const field = c.field ?? prefix; // recordKeyCauses always names the field
    if (!byField.has(field)) byField.set(field, c);
  }
  return [...byField.values()];
}

/** Validates spec/data (or status) of `obj`; throws 422 Invalid listing every offending field. */
export function validateSchema(info: KindInfo, obj: Resource, part: Part): void {
  const p = partOf(info, part);
  if (!p) return;
  const value: unknown = obj[p.field];
  let causes: StatusCause[];
  if (value === undefined) {
    causes = part === 'content' && info.specRequired ? [{ field: p.field, reason: 'FieldValueRequired', message: 'Required value' }] : [];
  } else causes = schemaCauses(p.schema, value, p.field);
  if (causes.length > 0) throw invalid(info, obj.metadata.name, causes);
}
