// The schemas of the client → server requests: the one source of the request types (protocol.ts
// derives them with Static) and of their validation (requests.ts). Strict: unknown fields are
// refused, so typos surface at once. docs/protocol.md describes each operation.
import { Type, type TSchema } from '@sinclair/typebox';

export const RequestIdSchema = Type.Union([
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  Type.String({ minLength: 1, maxLength: 128 }),
]);
const Id = RequestIdSchema;
const Kind = Type.String({ minLength: 1, maxLength: 253 });
const Name = Type.String({ minLength: 1, maxLength: 253 });
const Namespace = Type.String({ maxLength: 63 });
const Selector = Type.String({ maxLength: 4096 });
const RV = Type.String({ pattern: '^[0-9]{0,20}$' });
/** An object body: only what routing needs is checked here; admission checks the rest. */
const Body = Type.Object({ kind: Kind, metadata: Type.Object({ name: Name }) });
const Patch = Type.Record(Type.String(), Type.Unknown(), { description: 'RFC 7386 JSON merge patch.' });
const DryRun = Type.Optional(Type.Boolean());
const StatusSubresource = Type.Optional(Type.Literal('status'));

function op<N extends string, P extends Record<string, TSchema>>(name: N, props: P) {
  return Type.Object({ id: Id, op: Type.Literal(name), ...props }, { additionalProperties: false });
}

export const requestSchemas = {
  hello: op('hello', {
    protocol: Type.Optional(
      Type.Integer({ minimum: 0, description: "The client's protocol version (informational; the client decides compatibility)." }),
    ),
    client: Type.Optional(Type.String({ maxLength: 256 })),
  }),
  get: op('get', { kind: Kind, name: Name, namespace: Type.Optional(Namespace) }),
  list: op('list', {
    kind: Kind,
    namespace: Type.Optional(Namespace),
    labelSelector: Type.Optional(Selector),
    name: Type.Optional(Name),
  }),
  create: op('create', { object: Body, dryRun: DryRun }),
  update: op('update', { object: Body, dryRun: DryRun, subresource: StatusSubresource }),
  patch: op('patch', {
    kind: Kind,
    name: Name,
    namespace: Type.Optional(Namespace),
    patch: Patch,
    dryRun: DryRun,
    subresource: StatusSubresource,
  }),
  delete: op('delete', {
    kind: Kind,
    name: Name,
    namespace: Type.Optional(Namespace),
    dryRun: DryRun,
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
  conditions: op('conditions', {
    kind: Kind,
    namespace: Type.Optional(Namespace),
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 253, description: 'Omitted: every object of the kind (in the namespace, if given).' }),
    ),
  }),
  logs: op('logs', {
    name: Type.String({ minLength: 1, maxLength: 253, description: 'The LimaVM (Lima instance) name.' }),
    stream: Type.Optional(Type.Union([Type.Literal('stdout'), Type.Literal('stderr')])),
    follow: Type.Optional(Type.Boolean()),
  }),
  // `stream`: the id of the request that opened the stream (watch, conditions or logs).
  cancel: op('cancel', { stream: Id }),
  loginCode: op('loginCode', {}),
  login: op('login', {}),
} as const;

export type RequestSchemas = typeof requestSchemas;
