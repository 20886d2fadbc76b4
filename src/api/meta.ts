// Object metadata shared by every kind, and the small in-memory helpers around it.
// Helpers mutate in memory and report whether anything changed; callers decide whether to write.

declare const uidBrand: unique symbol;
/** A server-assigned object identity (UUID). Identity of owners is by uid, never by name. */
export type Uid = string & { readonly [uidBrand]: true };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  /** Opaque to clients: the decimal global revision of the last write to this object. */
  resourceVersion: string;
  generation: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A stored object of any kind. `spec`, `status` and `data` are kind-specific (see resources/). */
export interface Resource<Spec = unknown, Status = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Spec;
  status?: Status;
  data?: Record<string, string>;
}

/** What a client may send on create: server-owned metadata is optional and ignored. */
export type ResourceInput<Spec = unknown, Status = unknown> = Omit<Resource<Spec, Status>, 'metadata'> & {
  metadata: Partial<ObjectMeta> & { name: string };
};

/** Identifies one object: namespace is '' for cluster-scoped kinds. */
export interface ObjectKey {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export function keyOf(obj: { kind: string; metadata: { name: string; namespace?: string } }): ObjectKey {
  return { kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name };
}


export function isBeingDeleted(obj: { metadata: ObjectMeta }): boolean {
  return obj.metadata.deletionTimestamp !== undefined;
}

export function hasFinalizer(obj: { metadata: Pick<ObjectMeta, 'finalizers'> }, f: string): boolean {
  return obj.metadata.finalizers?.includes(f) ?? false;
}

/** Adds `f` if absent. Returns whether the object changed. */
export function addFinalizer(obj: { metadata: Pick<ObjectMeta, 'finalizers'> }, f: string): boolean {
  const list = obj.metadata.finalizers ?? [];
  if (list.includes(f)) return false;
  obj.metadata.finalizers = [...list, f];
  return true;
}

/** Removes `f` if present. Returns whether the object changed. */
export function removeFinalizer(obj: { metadata: Pick<ObjectMeta, 'finalizers'> }, f: string): boolean {
  const list = obj.metadata.finalizers ?? [];
  if (!list.includes(f)) return false;
  obj.metadata.finalizers = list.filter((x) => x !== f);
  return true;
}

export function controllerOf(obj: { metadata: Pick<ObjectMeta, 'ownerReferences'> }): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}


/**
 * Sets the controller owner reference to `owner`. Returns whether the object changed.
 * Throws if another controller already owns the object (controller-runtime's AlreadyOwnedError).
 */
export function setControllerReference(
  obj: { metadata: Pick<ObjectMeta, 'ownerReferences' | 'name'> },
  owner: { apiVersion: string; kind: string; metadata: Pick<ObjectMeta, 'name' | 'uid'> },
): boolean {
  const refs = obj.metadata.ownerReferences ?? [];
  const existing = refs.find((r) => r.controller === true);
  if (existing && existing.uid !== owner.metadata.uid) {
    throw new Error(
      `${obj.metadata.name} is already controlled by ${existing.kind} "${existing.name}" (uid ${existing.uid})`,
    );
  }
  if (existing) return false;
  const ref: OwnerReference = {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
  obj.metadata.ownerReferences = [...refs.filter((r) => r.uid !== owner.metadata.uid), ref];
  return true;
}

/** Deep copy of a JSON-shaped value (objects in the store are plain JSON). */
export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** RFC 3339 UTC with second precision, as metav1.Time marshals. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
