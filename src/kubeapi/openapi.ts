// OpenAPI v3 documents derived from the kinds' TypeBox schemas. kubectl uses them for
// `kubectl explain` and to learn that the server does field validation itself (the
// `fieldValidation` parameter on PATCH), after which it sends `fieldValidation=Strict`.
import { createHash } from 'node:crypto';
import type { TSchema } from '@sinclair/typebox';
import type { KindInfo } from '../api/index.js';
import { groupVersions, gvPath, kindsIn, groupVersionOf, type GroupVersion } from './kinds.js';
import { KUBE_MAJOR, KUBE_MINOR } from './discovery.js';

type Json = Record<string, unknown>;

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const OWNER_REF = 'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference';

const str = (description: string): Json => ({ type: 'string', description });
const strMap = (description: string): Json => ({ type: 'object', additionalProperties: { type: 'string' }, description });

const META_SCHEMAS: Record<string, Json> = {
  [OBJECT_META]: {
    type: 'object',
    description: 'Standard object metadata.',
    properties: {
      name: str('Name of the object, unique within its namespace (LimaVM names are unique across namespaces).'),
      generateName: str('Prefix for a server-generated name, used when name is empty.'),
      namespace: str('Namespace of a namespaced object. Empty for cluster-scoped kinds.'),
      uid: str('Server-assigned identity of the object. Read-only.'),
      resourceVersion: str('Opaque version of the object, for optimistic concurrency and watch. Read-only.'),
      generation: { type: 'integer', format: 'int64', description: 'Bumped by the server on every spec change. Read-only.' },
      creationTimestamp: { type: 'string', format: 'date-time', description: 'When the object was created. Read-only.' },
      deletionTimestamp: { type: 'string', format: 'date-time', description: 'Set when deletion was requested and finalizers hold the object. Read-only.' },
      deletionGracePeriodSeconds: { type: 'integer', format: 'int64', description: 'Grace period given with the delete. Read-only.' },
      labels: strMap('Map of string keys and values for organizing and selecting objects.'),
      annotations: strMap('Map of string keys and values for arbitrary metadata.'),
      finalizers: { type: 'array', items: { type: 'string' }, description: 'Must be empty before the object is removed.' },
      ownerReferences: { type: 'array', items: { $ref: `#/components/schemas/${OWNER_REF}` }, description: 'Objects this object depends on.' },
    },
  },
  [OWNER_REF]: {
    type: 'object',
    description: 'Identifies an owning object.',
    required: ['apiVersion', 'kind', 'name', 'uid'],
    properties: {
      apiVersion: str('API version of the owner.'),
      kind: str('Kind of the owner.'),
      name: str('Name of the owner.'),
      uid: str('UID of the owner.'),
      controller: { type: 'boolean', description: 'Whether the owner is the managing controller.' },
      blockOwnerDeletion: { type: 'boolean', description: 'Whether the owner waits for this object in foreground deletion.' },
    },
  },
};

const COPIED = ['description', 'default', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'format', 'minItems', 'maxItems'];

/** TypeBox emits JSON Schema; OpenAPI v3 as Kubernetes uses it wants enums, int-or-string and additionalProperties maps. */
export function toOpenApiSchema(s: TSchema): Json {
  const src: Json = s;
  const out: Json = {};
  for (const k of COPIED) if (src[k] !== undefined && !(k === 'format' && src[k] === 'quantity')) out[k] = src[k];
  const anyOf = src.anyOf as TSchema[] | undefined;
  if (anyOf) {
    const consts = anyOf.map((x) => (x as Json).const);
    if (consts.every((c) => c !== undefined)) return { ...out, type: typeof consts[0] === 'number' ? 'number' : 'string', enum: consts };
    const types = new Set(anyOf.map((x) => (x as Json).type));
    if (types.size === 2 && types.has('integer') && types.has('string')) return { ...out, 'x-kubernetes-int-or-string': true };
    return { ...out, anyOf: anyOf.map(toOpenApiSchema) };
  }
  if (src.const !== undefined) return { ...out, type: typeof src.const, enum: [src.const] };
  if (typeof src.type === 'string') out.type = src.type;
  if (src.type === 'object') {
    const props = src.properties as Record<string, TSchema> | undefined;
    if (props) out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, toOpenApiSchema(v)]));
    if (Array.isArray(src.required) && src.required.length > 0) out.required = src.required;
    const pattern = src.patternProperties as Record<string, TSchema> | undefined;
    if (pattern) {
      const first = Object.values(pattern)[0];
      if (first) out.additionalProperties = toOpenApiSchema(first);
    } else if (typeof src.additionalProperties === 'object' && src.additionalProperties !== null) {
      out.additionalProperties = toOpenApiSchema(src.additionalProperties as TSchema);
    }
  }
  if (src.type === 'array' && src.items) out.items = toOpenApiSchema(src.items as TSchema);
  return out;
}

function reverseDomain(group: string): string {
  return group === '' ? 'io.k8s.api.core' : group.split('.').reverse().join('.');
}

export function schemaName(k: KindInfo): string {
  const gv = groupVersionOf(k);
  return `${reverseDomain(gv.group)}.${gv.version}.${k.kind}`;
}

function gvk(k: KindInfo): { group: string; version: string; kind: string } {
  const gv = groupVersionOf(k);
  return { group: gv.group, version: gv.version, kind: k.kind };
}

function kindSchema(k: KindInfo): Json {
  const properties: Json = {
    apiVersion: str(`APIVersion of this object: ${k.apiVersion}.`),
    kind: str(`Kind of this object: ${k.kind}.`),
    metadata: { allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }], description: 'Standard object metadata.' },
  };
  if (k.specField && k.specSchema) {
    const spec = toOpenApiSchema(k.specSchema);
    properties[k.specField] = { description: k.specField === 'spec' ? `Desired state of the ${k.kind}.` : 'Data: string keys and values.', ...spec };
  }
  if (k.statusSchema) properties.status = { ...toOpenApiSchema(k.statusSchema), description: `Observed state of the ${k.kind}, written by its controller (status subresource).` };
  return {
    type: 'object',
    description: `${k.kind} (${k.apiVersion}), served by rdd.`,
    ...(k.specRequired && k.specField ? { required: [k.specField] } : {}),
    properties,
    'x-kubernetes-group-version-kind': [gvk(k)],
  };
}

const param = (name: string, description: string): Json => ({ name, in: 'query', description, schema: { type: 'string', uniqueItems: true } });
const WRITE_PARAMS = [
  param('dryRun', 'When present ("All"), the request is admitted and validated but nothing is stored.'),
  param('fieldManager', 'Name of the writer (accepted; rdd does not track managed fields).'),
  param('fieldValidation', 'Ignore, Warn (default) or Strict: what to do with fields the schema does not know.'),
];

function ref(k: KindInfo): Json {
  return { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName(k)}` } } };
}

function operation(k: KindInfo, id: string, action: string, o: { body?: boolean; write?: boolean } = {}): Json {
  return {
    operationId: id,
    description: `${action} ${k.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk(k),
    ...(o.write ? { parameters: WRITE_PARAMS } : {}),
    ...(o.body ? { requestBody: { content: ref(k), required: true } } : {}),
    responses: { '200': { description: 'OK', content: ref(k) } },
  };
}

function pathsOf(k: KindInfo): Json {
  const base = gvPath(groupVersionOf(k));
  const coll = k.namespaced ? `${base}/namespaces/{namespace}/${k.plural}` : `${base}/${k.plural}`;
  const item = `${coll}/{name}`;
  const out: Json = {
    [coll]: { get: operation(k, `list${k.kind}`, 'list'), post: operation(k, `create${k.kind}`, 'post', { body: true, write: true }) },
    [item]: {
      get: operation(k, `read${k.kind}`, 'get'),
      put: operation(k, `replace${k.kind}`, 'put', { body: true, write: true }),
      patch: operation(k, `patch${k.kind}`, 'patch', { write: true }),
      delete: operation(k, `delete${k.kind}`, 'delete', { write: true }),
    },
  };
  if (k.statusSchema) {
    out[`${item}/status`] = {
      get: operation(k, `read${k.kind}Status`, 'get'),
      put: operation(k, `replace${k.kind}Status`, 'put', { body: true, write: true }),
      patch: operation(k, `patch${k.kind}Status`, 'patch', { write: true }),
    };
  }
  return out;
}

export function openApiDoc(gv: GroupVersion): Json | undefined {
  const kinds = kindsIn(gv.groupVersion);
  if (kinds.length === 0) return undefined;
  return {
    openapi: '3.0.0',
    info: { title: 'rdd', version: `v${KUBE_MAJOR}.${KUBE_MINOR}.0` },
    paths: Object.assign({}, ...kinds.map(pathsOf)) as Json,
    components: { schemas: { ...META_SCHEMAS, ...Object.fromEntries(kinds.map((k) => [schemaName(k), kindSchema(k)])) } },
  };
}

/** Documents are fixed for a build; the hash lets clients cache them (as kube-apiserver's does). */
const docs = new Map<string, { body: string; hash: string }>();
export function openApiDocCached(gv: GroupVersion): { body: string; hash: string } | undefined {
  let d = docs.get(gv.groupVersion);
  if (!d) {
    const doc = openApiDoc(gv);
    if (!doc) return undefined;
    const body = JSON.stringify(doc);
    d = { body, hash: createHash('sha512').update(body).digest('hex').slice(0, 64).toUpperCase() };
    docs.set(gv.groupVersion, d);
  }
  return d;
}

export function openApiRoot(): Json {
  const paths: Json = {};
  for (const gv of groupVersions()) {
    const d = openApiDocCached(gv);
    const p = gvPath(gv).slice(1);
    if (d) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` };
  }
  return { paths };
}
