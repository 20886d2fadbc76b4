// createApi: the write path every client and actor uses. Per request: async prechecks outside
// any transaction, then one synchronous transaction (or dry run) with defaults, mutating hooks,
// schema validation, validating hooks and the write. A sync phase that finds a precheck result
// missing (its input changed meanwhile) restarts the request, a bounded number of times.
import { ApiError, clone, toApiError, type Resource, type ResourceInput, type ResourceOf } from '../api/index.js';
import type { Logger } from '../log.js';
import { applyPatch, type DeleteResult, type Store } from '../store/index.js';
import { Admitter, bodyKind, kindOf, matchingHooks } from './pipeline.js';
import { isPrecheckStale, PrecheckMap } from './prechecks.js';
import { applyDefaults } from './schema.js';
import type { AdmissionHook, AdmissionRequest, Api, DeleteRequestOptions, SyncApi, WriteRequestOptions } from './types.js';

export interface ApiDeps {
  readonly store: Store;
  readonly hooks: readonly AdmissionHook[];
  readonly log: Logger;
  readonly now?: () => number;
  /** How often a request restarts after a stale precheck (default 3). */
  readonly maxPrecheckRetries?: number;
  /** 'client' for the Api the gateway serves: its requests carry `origin: 'client'` to the hooks. */
  readonly origin?: 'client';
}

export function createApi(deps: ApiDeps): Api {
  const { store, hooks, origin } = deps;
  // Tag the component unless the caller already did (pino would repeat the key).
  const log = 'component' in deps.log.bindings() ? deps.log : deps.log.child({ component: 'admission' });
  const now = deps.now ?? Date.now;
  const maxRetries = deps.maxPrecheckRetries ?? 3;

  /**
   * Runs one request. `view` builds the request as prechecks see it (from committed state);
   * `write` is the synchronous phase. Returns what `write` returned.
   */
  async function admit<T>(
    label: { kind: string; name: string; op: string },
    opts: WriteRequestOptions | undefined,
    view: () => AdmissionRequest,
    write: (a: Admitter) => T,
  ): Promise<T> {
    const dryRun = opts?.dryRun === true;
    try {
      for (let attempt = 0; ; attempt++) {
        const prechecks = new PrecheckMap();
        const req = view();
        const status = req.subresource === 'status';
        for (const h of matchingHooks(hooks, req.kind.kind, req.operation, status)) {
          if (!h.precheck) continue;
          await h.precheck(req, { store, prechecks, ...(opts?.signal ? { signal: opts.signal } : {}) });
        }
        if (opts?.signal?.aborted) throw new ApiError(503, 'ServiceUnavailable', 'the request was cancelled before it was written');
        const admitter = new Admitter({ store, hooks, prechecks, dryRun, now, origin });
        try {
          return dryRun ? store.dryRun(() => write(admitter)) : store.transaction(() => write(admitter));
        } catch (e) {
          if (!isPrecheckStale(e)) throw e;
          if (attempt >= maxRetries) {
            throw new ApiError(
              409,
              'Conflict',
              `Operation cannot be fulfilled on ${req.kind.resource} "${label.name}": its inputs kept changing during admission (${maxRetries + 1} attempts); please try again`,
              { kind: req.kind.kind, name: label.name },
            );
          }
          log.debug({ ...label, attempt, reason: e.message }, 'precheck stale; restarting request');
        }
      }
    } catch (e) {
      const err = toApiError(e);
      if (err.code >= 500) log.error({ err: e, ...label }, 'admission failed');
      throw err;
    }
  }

  /** Dry-run results carry no new revision: '' for a create, the old one otherwise (as Kubernetes does). */
  const dryRv = <T extends Resource>(obj: T, rv: string): T => {
    obj.metadata.resourceVersion = rv;
    return obj;
  };

  const committed = (kind: string, ns: string, name: string): Resource => store.mustGet(kind, ns, name);

  /** The synchronous phase alone: for writes whose hooks need no precheck result. */
  function runSync<T>(op: string, write: (a: Admitter) => T, dryRun = false): T {
    const admitter = new Admitter({ store, hooks, prechecks: new PrecheckMap(), dryRun, now, origin });
    try {
      return dryRun ? store.dryRun(() => write(admitter)) : store.transaction(() => write(admitter));
    } catch (e) {
      if (isPrecheckStale(e)) {
        throw new ApiError(409, 'Conflict', `${op} needs an asynchronous precheck (${e.message}); use the asynchronous API for this write`);
      }
      const err = toApiError(e);
      if (err.code >= 500) log.error({ err: e, op }, 'admission failed');
      throw err;
    }
  }

  const sync: SyncApi = {
    create: <K extends string>(obj: ResourceInput & { readonly kind: K }) => runSync('create', (a) => a.create(obj)),
    update: <K extends string>(obj: Resource & { readonly kind: K }) => runSync('update', (a) => a.update(obj)),
    patch: <K extends string>(kind: K, ns: string, name: string, p: unknown, o?: { subresource?: 'status' }) =>
      runSync('patch', (a) => a.patch(kind, ns, name, p, o)),
    delete: <K extends string>(kind: K, ns: string, name: string, o?: DeleteRequestOptions) => {
      const dry = o?.dryRun === true;
      const oldRv = dry ? store.mustGet(kind, ns, name).metadata.resourceVersion : '';
      const out = runSync('delete', (a) => a.delete(kind, ns, name, o), dry);
      return dry ? { ...out, object: dryRv(out.object, oldRv) } : out;
    },
  };

  return {
    store,
    sync,

    async create<K extends string>(obj: ResourceInput & { readonly kind: K }, opts?: WriteRequestOptions): Promise<ResourceOf<K>> {
      const info = bodyKind(obj);
      const label = { kind: info.kind, name: obj.metadata.name, op: 'CREATE' };
      const view = (): AdmissionRequest => {
        const object = clone(obj) as Resource;
        applyDefaults(info, object, 'content');
        return { operation: 'CREATE', kind: info, object, dryRun: opts?.dryRun === true };
      };
      const out = await admit(label, opts, view, (a) => a.create(obj));
      return opts?.dryRun ? dryRv(out, '') : out;
    },

    async update<K extends string>(obj: Resource & { readonly kind: K }, opts?: WriteRequestOptions): Promise<ResourceOf<K>> {
      const info = bodyKind(obj);
      const ns = obj.metadata.namespace ?? '';
      const label = { kind: info.kind, name: obj.metadata.name, op: 'UPDATE' };
      let oldRv = '';
      const view = (): AdmissionRequest => {
        const oldObject = committed(info.kind, ns, obj.metadata.name);
        oldRv = oldObject.metadata.resourceVersion;
        const object = clone(obj);
        applyDefaults(info, object, 'content');
        return { operation: 'UPDATE', kind: info, object, oldObject, dryRun: opts?.dryRun === true };
      };
      const out = await admit(label, opts, view, (a) => a.update(obj));
      return opts?.dryRun ? dryRv(out, oldRv) : out;
    },

    async updateStatus<K extends string>(obj: Resource & { readonly kind: K }, opts?: WriteRequestOptions): Promise<ResourceOf<K>> {
      const info = bodyKind(obj);
      const ns = obj.metadata.namespace ?? '';
      const label = { kind: info.kind, name: obj.metadata.name, op: 'UPDATE' };
      let oldRv = '';
      const view = (): AdmissionRequest => {
        const oldObject = committed(info.kind, ns, obj.metadata.name);
        oldRv = oldObject.metadata.resourceVersion;
        return { operation: 'UPDATE', kind: info, object: clone(obj), oldObject, subresource: 'status', dryRun: opts?.dryRun === true };
      };
      const out = await admit(label, opts, view, (a) => a.updateStatus(obj));
      return opts?.dryRun ? dryRv(out, oldRv) : out;
    },

    async patch<K extends string>(
      kind: K,
      namespace: string,
      name: string,
      patch: unknown,
      opts?: WriteRequestOptions & { subresource?: 'status' },
    ): Promise<ResourceOf<K>> {
      const info = kindOf(kind);
      const label = { kind: info.kind, name, op: 'UPDATE' };
      const status = opts?.subresource === 'status';
      let oldRv = '';
      const view = (): AdmissionRequest => {
        const oldObject = committed(kind, namespace, name);
        oldRv = oldObject.metadata.resourceVersion;
        const object = applyPatch(oldObject, patch);
        if (!status) applyDefaults(info, object, 'content');
        return {
          operation: 'UPDATE',
          kind: info,
          object,
          oldObject,
          ...(status ? { subresource: 'status' as const } : {}),
          dryRun: opts?.dryRun === true,
        };
      };
      const out = await admit(label, opts, view, (a) => a.patch(kind, namespace, name, patch, status ? { subresource: 'status' } : {}));
      return opts?.dryRun ? dryRv(out, oldRv) : out;
    },

    async delete<K extends string>(kind: K, namespace: string, name: string, opts?: DeleteRequestOptions): Promise<DeleteResult<ResourceOf<K>>> {
      const info = kindOf(kind);
      const label = { kind: info.kind, name, op: 'DELETE' };
      let oldRv = '';
      const view = (): AdmissionRequest => {
        const oldObject = committed(kind, namespace, name);
        oldRv = oldObject.metadata.resourceVersion;
        return {
          operation: 'DELETE',
          kind: info,
          oldObject,
          dryRun: opts?.dryRun === true,
          ...(opts?.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: opts.gracePeriodSeconds }),
        };
      };
      const out = await admit(label, opts, view, (a) => a.delete(kind, namespace, name, opts));
      return opts?.dryRun ? { ...out, object: dryRv(out.object, oldRv) } : out;
    },
  };
}
