// The admission contract: ordered hooks per kind and operation, run with the write in one
// transaction, so side effects roll back when a later step rejects and nothing happens on dry-run.
import type { KindInfo, Resource, ResourceInput, ResourceOf } from '../api/index.js';
import type { DeleteResult, Store } from '../store/types.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

interface RequestBase {
  readonly kind: KindInfo;
  readonly dryRun: boolean;
  /**
   * 'client' when the request came through the gateway (the Api the daemon made for clients);
   * absent for the daemon's own writes (actors, and nested writes made by hooks). Set by the
   * Api, never by the request, so a client cannot claim to be the daemon. Set in the mutating
   * and validating phases (not on the requests prechecks see).
   */
  readonly origin?: 'client';
}

export interface AdmissionCreateRequest extends RequestBase {
  readonly operation: 'CREATE';
  /** The proposed object. Mutating hooks edit it in place. */
  readonly object: Resource;
  readonly oldObject?: undefined;
  readonly subresource?: undefined;
}

export interface AdmissionUpdateRequest extends RequestBase {
  readonly operation: 'UPDATE';
  /** The proposed object. Mutating hooks edit it in place. */
  readonly object: Resource;
  /** The stored object before this request. */
  readonly oldObject: Resource;
  /** 'status' for status writes (hooks usually skip them). */
  readonly subresource?: 'status';
}

export interface AdmissionDeleteRequest extends RequestBase {
  readonly operation: 'DELETE';
  readonly object?: undefined;
  /** The stored object before this request. */
  readonly oldObject: Resource;
  readonly subresource?: undefined;
  readonly gracePeriodSeconds?: number;
}

/**
 * One admission request, keyed by operation: CREATE has `object`, DELETE has `oldObject`, UPDATE
 * has both. `AdmissionRequest<'CREATE' | 'UPDATE'>` is what a hook registered for those
 * operations receives.
 */
export type AdmissionRequest<O extends Operation = Operation> = RequestByOperation[O];

interface RequestByOperation {
  CREATE: AdmissionCreateRequest;
  UPDATE: AdmissionUpdateRequest;
  DELETE: AdmissionDeleteRequest;
}

/** Results of async prechecks, keyed by the hook's own key (e.g. a template content hash). */
export interface Prechecks {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
}

export interface AdmissionContext {
  /** Reads and writes inside the current transaction. */
  readonly store: Store;
  /** Nested admitted writes (they run their own hooks) inside the same transaction. */
  readonly nested: SyncApi;
  readonly dryRun: boolean;
  readonly prechecks: Prechecks;
  /** Milliseconds since the epoch (injected clock). */
  now(): number;
}

export interface PrecheckContext {
  /** Read-only view of committed state. */
  readonly store: Pick<Store, 'get' | 'list'>;
  readonly prechecks: Prechecks;
  readonly signal?: AbortSignal;
}

/**
 * One admission hook. Order: every matching hook's precheck (async, before the transaction),
 * then every mutate (in registration order), then schema validation, then every validate.
 * A hook rejects by throwing an ApiError.
 */
export interface AdmissionHook<O extends Operation = Operation> {
  /** Named like a webhook, e.g. `limavm-defaulter.lima.rancherdesktop.io`. */
  readonly name: string;
  readonly kinds: readonly string[];
  /** The hook only sees requests of these operations, so its methods get `AdmissionRequest<O>`. */
  readonly operations: readonly O[];
  /** Also run for status-subresource writes (default false). */
  readonly includeStatus?: boolean;
  /**
   * Async work that must not happen inside a SQLite transaction (e.g. `limactl validate`).
   * Must not write. Its results go into ctx.prechecks for the sync phases to look up; a sync
   * phase that finds its input changed since the precheck throws a Conflict, and the request
   * is retried from the precheck.
   */
  precheck?(req: AdmissionRequest<O>, ctx: PrecheckContext): Promise<void>;
  mutate?(req: AdmissionRequest<O>, ctx: AdmissionContext): void;
  validate?(req: AdmissionRequest<O>, ctx: AdmissionContext): void;
}

export interface WriteRequestOptions {
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
}

export interface DeleteRequestOptions extends WriteRequestOptions {
  /** 0 = force. Stored on the object as metadata.deletionGracePeriodSeconds. */
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
}

/** Admitted writes without prechecks, for use inside a transaction (nested writes from hooks). */
export interface SyncApi {
  create<K extends string>(obj: ResourceInput & { readonly kind: K }): ResourceOf<K>;
  update<K extends string>(obj: Resource & { readonly kind: K }): ResourceOf<K>;
  patch<K extends string>(kind: K, namespace: string, name: string, patch: unknown, opts?: { subresource?: 'status' }): ResourceOf<K>;
  delete<K extends string>(kind: K, namespace: string, name: string, opts?: DeleteRequestOptions): DeleteResult<ResourceOf<K>>;
}

/**
 * The write API every client and actor uses: admission + store. Reads go to `store` directly.
 * Dry-run runs everything and rolls back: no revision used, no event, nothing left behind.
 * A dry-run create returns the would-be object with an empty resourceVersion.
 */
export interface Api {
  readonly store: Store;
  /**
   * The same admitted writes, synchronously, each in its own transaction, for actors whose writes
   * need no async precheck (finalizers, annotations, owner references, spec fields other than
   * template content). A write that would need a precheck fails with 409 Conflict instead of
   * waiting; use the async methods for those.
   */
  readonly sync: SyncApi;
  create<K extends string>(obj: ResourceInput & { readonly kind: K }, opts?: WriteRequestOptions): Promise<ResourceOf<K>>;
  update<K extends string>(obj: Resource & { readonly kind: K }, opts?: WriteRequestOptions): Promise<ResourceOf<K>>;
  updateStatus<K extends string>(obj: Resource & { readonly kind: K }, opts?: WriteRequestOptions): Promise<ResourceOf<K>>;
  patch<K extends string>(
    kind: K,
    namespace: string,
    name: string,
    patch: unknown,
    opts?: WriteRequestOptions & { subresource?: 'status' },
  ): Promise<ResourceOf<K>>;
  delete<K extends string>(kind: K, namespace: string, name: string, opts?: DeleteRequestOptions): Promise<DeleteResult<ResourceOf<K>>>;
}

/** Validates a Lima template through the driver (`limactl validate`). Implemented in src/lima. */
export interface TemplateValidator {
  /** `name` becomes the temp file's basename (`<name>.yaml`), as Lima requires. */
  validate(name: string, template: string, signal?: AbortSignal): Promise<{ ok: true } | { ok: false; message: string }>;
}

/** Host capacity for App defaults and bounds; measured on every call, not once. */
export interface HostInfo {
  cpus(): number;
  memoryBytes(): number;
}
