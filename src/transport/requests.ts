// Request validation: a decoded frame becomes a typed Request, or a typed BadRequest that names
// the offending field. The schemas (request-schemas.ts) are strict: unknown fields are refused.
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ApiError, type StatusCause } from '../api/index.js';
import { checkPlainJson } from './plain-json.js';
import type { Op, Request, RequestId } from './protocol.js';
import { RequestIdSchema, requestSchemas } from './request-schemas.js';

const checkers = new Map<string, TypeCheck<TSchema>>(
  Object.entries(requestSchemas).map(([k, s]) => [k, TypeCompiler.Compile(s as TSchema)]),
);
const idChecker = TypeCompiler.Compile(RequestIdSchema);

export const OPS: readonly Op[] = Object.keys(requestSchemas) as Op[];

export type ParseResult = { ok: true; request: Request } | { ok: false; id: RequestId | null; error: ApiError };

/** Validates one decoded frame. Never throws. */
export function parseRequest(value: unknown): ParseResult {
  const bad = checkPlainJson(value);
  if (bad !== undefined) return fail(idOf(value), `malformed request: ${bad}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(null, 'malformed request: expected an object with "id" and "op"');
  }
  const obj = value as Record<string, unknown>;
  const id = idOf(obj);
  if (id === null) return fail(null, 'malformed request: "id" must be a non-negative integer or a string of 1-128 characters');
  if (typeof obj.op !== 'string') return fail(id, 'malformed request: "op" must be a string');
  const checker = checkers.get(obj.op);
  if (!checker) return fail(id, `unknown operation "${obj.op.slice(0, 64)}"; known operations: ${OPS.join(', ')}`);
  if (checker.Check(obj)) return { ok: true, request: obj as Request };
  const causes: StatusCause[] = [];
  for (const e of checker.Errors(obj)) {
    causes.push({ field: e.path.slice(1).replaceAll('/', '.'), reason: 'FieldValueInvalid', message: e.message });
    if (causes.length >= 8) break;
  }
  const summary = causes.map((c) => `${c.field || '(root)'}: ${c.message}`).join('; ');
  return { ok: false, id, error: new ApiError(400, 'BadRequest', `invalid "${obj.op}" request: ${summary}`, { causes }) };
}

function idOf(v: unknown): RequestId | null {
  if (typeof v !== 'object' || v === null) return null;
  const id = (v as Record<string, unknown>).id;
  return idChecker.Check(id) ? (id as RequestId) : null;
}

function fail(id: RequestId | null, message: string): ParseResult {
  return { ok: false, id, error: new ApiError(400, 'BadRequest', message) };
}
