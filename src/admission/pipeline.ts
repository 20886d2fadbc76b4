// The synchronous half of admission, run inside one store transaction: defaults, mutating
// hooks, schema validation, validating hooks, then the store write. Also the SyncApi that hooks
// use for nested writes: each nested write is a savepoint and runs its own kind's hooks.
import { clone, kindInfo, ofKind, type KindInfo, type Resource, type ResourceInput, type ResourceOf } from '../api/index.js';
import { applyPatch, unknownKind, type DeleteResult, type Store } from '../store/index.js';
import { invalid } from './errors.js';
import { applyDefaults, validateSchema } from './schema.js';
import type {
  AdmissionContext,
  AdmissionHook,
  AdmissionRequest,
  DeleteRequestOptions,
  Operation,
  Prechecks,
  SyncApi,
} from './types.js';

/** Hooks that apply to this kind, operation and subresource, in registration order. */
export function matchingHooks(
  hooks: readonly AdmissionHook[],
  kind: string,
  op: Operation,
  status: boolean,
): AdmissionHook[] {
  return hooks.filter((h) => h.kinds.includes(kind) && h.operations.includes(op) && (!status || h.includeStatus === true));
}

export interface PhaseDeps {
  readonly store: Store;
  readonly hooks: readonly AdmissionHook[];
  readonly prechecks: Prechecks;
  readonly dryRun: boolean;
  readonly now: () => number;
  /** Marks this Admitter's own requests (not the nested writes its hooks make). */
  readonly origin?: 'client';
}

export class Admitter implements SyncApi {
  readonly ctx: AdmissionContext;

  constructor(private readonly d: PhaseDeps) {
    // A hook's nested writes are the daemon's own, whoever made the request that caused them.
    const nested = d.origin === undefined ? this : new Admitter({ ...d, origin: undefined });
    this.ctx = { store: d.store, nested, dryRun: d.dryRun, prechecks: d.prechecks, now: d.now };
  }

  private tag<R extends AdmissionRequest>(req: R): R {
    return this.d.origin === undefined ? req : { ...req, origin: this.d.origin };
  }

  private run(untagged: AdmissionRequest<'CREATE' | 'UPDATE'>, write: () => Resource): Resource {
    const req = this.tag(untagged);
    const status = req.subresource === 'status';
    const hooks = matchingHooks(this.d.hooks, req.kind.kind, req.operation, status);
    const obj = req.object;
    const part = status ? 'status' : 'content';
    applyDefaults(req.kind, obj, part);
    for (const h of hooks) h.mutate?.(req, this.ctx);
    validateSchema(req.kind, obj, part);
    for (const h of hooks) h.validate?.(req, this.ctx);
    return write();
  }

  create<K extends string>(input: ResourceInput & { readonly kind: K }): ResourceOf<K> {
    const { store } = this.d;
    const info = bodyKind(input);
    return store.transaction(() => {
      const object = clone(input) as Resource;
      const req: AdmissionRequest = { operation: 'CREATE', kind: info, object, dryRun: this.d.dryRun };
      return ofKind(input.kind, this.run(req, () => store.create(object)));
    });
  }

  update<K extends string>(input: Resource & { readonly kind: K }): ResourceOf<K> {
    const { store } = this.d;
    const info = bodyKind(input);
    return store.transaction(() => {
      const oldObject: Resource = store.mustGet(info.kind, input.metadata.namespace ?? '', input.metadata.name);
      return ofKind(input.kind, this.admitUpdate(info, clone(input), oldObject));
    });
  }

  /** updateStatus through admission (status hooks only). */
  updateStatus<K extends string>(input: Resource & { readonly kind: K }): ResourceOf<K> {
    const { store } = this.d;
    const info = bodyKind(input);
    return store.transaction(() => {
      const oldObject: Resource = store.mustGet(info.kind, input.metadata.namespace ?? '', input.metadata.name);
      return ofKind(input.kind, this.admitStatus(info, clone(input), oldObject));
    });
  }

  patch<K extends string>(kind: K, namespace: string, name: string, patch: unknown, opts?: { subresource?: 'status' }): ResourceOf<K> {
    const { store } = this.d;
    const info = kindOf(kind);
    return store.transaction(() => {
      const oldObject: Resource = store.mustGet(kind, namespace, name);
      const next = applyPatch(oldObject, patch);
      return ofKind(kind, opts?.subresource === 'status' ? this.admitStatus(info, next, oldObject) : this.admitUpdate(info, next, oldObject));
    });
  }

  delete<K extends string>(kind: K, namespace: string, name: string, opts: DeleteRequestOptions = {}): DeleteResult<ResourceOf<K>> {
    const { store } = this.d;
    const info = kindOf(kind);
    return store.transaction(() => {
      const oldObject: Resource = store.mustGet(kind, namespace, name);
      const req = this.tag({
        operation: 'DELETE',
        kind: info,
        oldObject,
        dryRun: this.d.dryRun,
        ...(opts.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: opts.gracePeriodSeconds }),
      });
      for (const h of matchingHooks(this.d.hooks, kind, 'DELETE', false)) h.validate?.(req, this.ctx);
      return store.delete(kind, namespace, name, {
        ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
        ...(opts.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: opts.gracePeriodSeconds }),
      });
    });
  }

  private admitUpdate(info: KindInfo, object: Resource, oldObject: Resource): Resource {
    const req: AdmissionRequest = { operation: 'UPDATE', kind: info, object, oldObject, dryRun: this.d.dryRun };
    return this.run(req, () => this.d.store.update(object));
  }

  private admitStatus(info: KindInfo, object: Resource, oldObject: Resource): Resource {
    const req: AdmissionRequest = {
      operation: 'UPDATE',
      kind: info,
      object,
      oldObject,
      subresource: 'status',
      dryRun: this.d.dryRun,
    };
    return this.run(req, () => this.d.store.updateStatus(object));
  }
}

/** A request body's kind entry, after checking it has metadata with a name (422 otherwise). */
export function bodyKind(obj: { kind?: unknown; metadata?: unknown }): KindInfo {
  const info = kindOf(String(obj?.kind));
  const m = obj.metadata as { name?: unknown } | undefined;
  if (typeof m !== 'object' || m === null || typeof m.name !== 'string' || m.name === '') {
    throw invalid(info, '', [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name is required' }]);
  }
  return info;
}

/** The kind's registry entry, or the store's 404 for an unknown kind. */
export function kindOf(kind: string): KindInfo {
  const info = kindInfo(kind);
  if (!info) throw unknownKind(kind);
  return info;
}
