// Performs one planned step of a LimaVM actor. Store writes are synchronous: status straight to
// the store, metadata through api.sync (so the guards apply); driver work starts an operation.
import {
  CLEANUP_FINALIZER,
  CONFIGMAP_KIND,
  LIMAVM_KIND,
  clone,
  isNotFound,
  ownedByFinalizer,
  removeFinalizer,
  setControllerReference,
  type LimaVM,
} from '../../api/index.js';
import type { Ctx, Kit, VmState } from './config.js';
import { lastHostagentPhase, removeSentinel, writeLimaYaml, writeOwnerMarker, type DiskState } from './disk.js';
import { resetFailures, startOp, startWatcher, stopWatcher, writeStatus } from './effects.js';
import { templateConfigMapName, type Action } from './plan.js';
import { Created } from './reasons.js';

/** Returns true when planning should continue at once (the step finished synchronously). */
export function apply(k: Kit, s: VmState, ctx: Ctx, vm: LimaVM, disk: DiskState, a: Action): boolean {
  const { store, api, driver } = k.deps;
  const { id } = k;
  switch (a.kind) {
    case 'none':
      return false;
    case 'status':
      if (a.fields?.restartNeeded === true) resetFailures(s);
      writeStatus(store, vm, a, ctx.now());
      return true;
    case 'removeAnnotation':
      api.sync.patch(LIMAVM_KIND, id.namespace, id.name, { metadata: { annotations: { [a.key]: null } } });
      return true;
    case 'removeCleanupFinalizer': {
      const fresh = clone(vm);
      removeFinalizer(fresh, CLEANUP_FINALIZER);
      api.sync.update(fresh);
      ctx.log.info('cleanup finalizer removed; the LimaVM is gone');
      return true;
    }
    case 'ownTemplateConfigMap': {
      const fresh = clone(store.mustGet(CONFIGMAP_KIND, id.namespace, templateConfigMapName(id.name)));
      setControllerReference(fresh, vm);
      api.sync.update(fresh);
      return true;
    }
    case 'deleteOwned':
      deleteOwned(k, ctx);
      return true;
    case 'op':
      startOp(k, s, ctx, a.op);
      return false;
    case 'abortOp':
      ctx.log.info({ op: s.op?.kind, why: a.why }, 'aborting operation');
      s.opAbort?.abort(new Error(a.why));
      return false;
    case 'adopt': {
      const last = lastHostagentPhase(driver, id.name);
      ctx.log.info({ dir: disk.dir, phase: last.phase }, 'found a live hostagent from before; adopting it');
      startWatcher(k, s, ctx, 0);
      // The watcher replays the run's events from the start; begin from where they end.
      s.phase = last.phase;
      s.degradedErrors = last.errors;
      return true;
    }
    case 'stopWatcher':
      stopWatcher(s, ctx);
      return true;
    case 'removeSentinel':
      removeSentinel(driver, id.name);
      return true;
    case 'claimInstance':
      writeOwnerMarker(driver, id.name, id.uid);
      writeStatus(store, vm, {
        conditions: [{ type: 'Created', status: 'True', ...Created.Adopted, observedGeneration: vm.metadata.generation }],
        fields: { observedTemplateResourceVersion: '' },
      }, ctx.now());
      ctx.log.info({ dir: disk.dir }, 'adopted an existing Lima instance');
      return true;
    case 'writeLimaYaml':
      writeLimaYaml(driver, id.name, a.text);
      ctx.log.info('template changed; lima.yaml rewritten');
      return true;
  }
}

/** Releases and deletes everything this VM owns (its template ConfigMap, a CLI-created source). */
function deleteOwned(k: Kit, ctx: Ctx): void {
  const { store, api } = k.deps;
  const fin = ownedByFinalizer(LIMAVM_KIND);
  for (const o of store.listOwnedBy(k.id.uid)) {
    try {
      if (o.metadata.finalizers?.includes(fin)) {
        const fresh = clone(o);
        removeFinalizer(fresh, fin);
        api.sync.update(fresh);
      }
      if (!o.metadata.deletionTimestamp) api.sync.delete(o.kind, o.metadata.namespace ?? '', o.metadata.name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    ctx.log.info({ kind: o.kind, name: o.metadata.name }, 'deleted owned object');
  }
}
