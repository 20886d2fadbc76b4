// Request validation: a decoded frame becomes a typed Request, or a typed BadRequest that names
// the offending field. Schemas are strict (unknown fields are refused) so typos surface at once.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ApiError, type StatusCause } from '../api/index.js';
import { checkPlainJson } from './plain-json.js';
import type { Op, Request, RequestId } from './protocol.js';

const Id = Type.Union([Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), Type.String({ minLength: 1, maxLength: 128 })]);
const Kind = Type.String({ minLength: 1, maxLength: 253 });
const Name = Type.String({ minLength: 1, maxLength: 253 });
const Namespace = Type.String({ maxLength: 63 });
const Selector = Type.String({ maxLength: 4096 });
const RV = Type.String({ pattern: '^[0-9]{0,20}$' });
const Body = Type.Object({ kind: Kind, metadata: Type.Object({ name: Name }) });
const Patch = Type.Record(Type.String(), Type.Unknown());

function op<N extends Op, P extends Record<string, TSchema>>(name: N, props: P) {
  return Type.Object({ id: Id, op: Type.Literal(name), ...props }, { additionalProperties: false });
}

const schemas = {
  hello: op('hello', { protocol: Type.Optional(Type.Integer({ minimum: 0 })), client: Type.Optional(Type.String({ maxLength: 256 })) }),
  get: op('get', { kind: Kind, name: Name, namespace: Type.Optional(Namespace) }),
  list: op('list', {
    kind: Kind,
    namespace: Type.Optional(Namespace),
    labelSelector: Type.Optional(Selector),
    name: Type.Optional(Name),
  }),
  create: op('create', { object: Body, dryRun: Type.Optional(Type.Boolean()) }),
  update: op('update', {
    object: Body,
    dryRun: Type.Optional(Type.Boolean()),
    subresource: Type.Optional(Type.Literal('status')),
  }),
  patch: op('patch', {
    kind: Kind,
    name: Name,
    namespace: Type.Optional(Namespace),
    patch: Patch,
    dryRun: Type.Optional(Type.Boolean()),
    subresource: Type.Optional(Type.Literal('status')),
  }),
  delete: op('delete', {
    kind: Kind,
    name: Name,
    namespace: Type.Optional(Namespace),
    dryRun: Type.Optional(Type.Boolean()),
    gracePeriodSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    preconditions: Type.Optional(
      Type.Object({ uid: Type.Optional(Type.String()), resourceVersion: Type.Optional(RV) }, { additionalProperties: false }),
    ),
  }),
  watch: op('watch', {
    kind: Kind,
    namespace: Type.Optional(Namespace),
    name: Type.Optional(Name),
    labelSelector: Type.Optional(Selector),
    resourceVersion: Type.Optional(RV),
    bookmarks: Type.Optional(Type.Boolean()),
  }),
  unwatch: op('unwatch', { watch: Id }),
  conditions: op('conditions', { kind: Kind, namespace: Type.Optional(Namespace), name: Type.Optional(Name) }),
  logs: op('logs', {
    name: Name,
    stream: Type.Optional(Type.Union([Type.Literal('stdout'), Type.Literal('stderr')])),
    follow: Type.Optional(Type.Boolean()),
  }),
  cancel: op('cancel', { stream: Id }),
  loginCode: op('loginCode', {}),
  login: op('login', {}),
} as const;

type Schemas = typeof schemas;
// The hand-written protocol types and these schemas must agree.
type Agree<A, B> = [A] extends [B] ? true : never;
const _agree: Agree<Static<Schemas[Op]>, Request> = true;
void _agree;

const checkers = new Map<string, TypeCheck<TSchema>>(
  Object.entries(schemas).map(([k, s]) => [k, TypeCompiler.Compile(s as TSchema)]),
);
const idChecker = TypeCompiler.Compile(Id);

export const OPS: readonly Op[] = Object.keys(schemas) as Op[];

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
  if (checker.Check(obj)) return { ok: true, request: obj as unknown as Request };
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
