// Performs one planned step of a LimaVM actor. Store writes are synchronous: status straight to
// the store, metadata through api.sync (so the guards apply); driver work starts an operation.
import {
  CLEANUP_FINALIZER,
  CONFIGMAP_KIND,
  LIMAVM_KIND,
  clone,
  ownedByFinalizer,
  setControllerReference,
  templateConfigMapName,
  type LimaVM,
} from '../../api/index.js';
import type { Ctx, Kit, VmState } from './config.js';
import { lastHostagentPhase, removeSentinel, writeLimaYaml, writeOwnerMarker, type DiskState } from './disk.js';
import { dropFinalizer, releaseAndDelete } from '../writes.js';
import { resetFailures, startWatcher, stopWatcher, writeStatus } from './effects.js';
import type { VmStep } from './plan.js';
import { Created } from './reasons.js';

/** Returns true when planning should continue at once (the step finished synchronously). */
export function apply(k: Kit, s: VmState, ctx: Ctx, vm: LimaVM, disk: DiskState, a: VmStep): boolean {
  const { store, api, driver } = k.deps;
  const { id } = k;
  switch (a.kind) {
    case 'status':
      if (a.fields?.restartNeeded === true) resetFailures(s);
      writeStatus(store, vm, a, ctx.now());
      return true;
    case 'removeAnnotation':
      api.sync.patch(LIMAVM_KIND, id.namespace, id.name, { metadata: { annotations: { [a.key]: null } } });
      return true;
    case 'removeCleanupFinalizer':
      dropFinalizer(api, vm, CLEANUP_FINALIZER);
      ctx.log.info('cleanup finalizer removed; the LimaVM is gone');
      return true;
    case 'ownTemplateConfigMap': {
      const fresh = clone(store.mustGet(CONFIGMAP_KIND, id.namespace, templateConfigMapName(id.name)));
      setControllerReference(fresh, vm);
      api.sync.update(fresh);
      return true;
    }
    case 'deleteOwned':
      deleteOwned(k, ctx);
      return true;
    case 'adopt': {
      const last = lastHostagentPhase(driver, id.name);
      ctx.log.info({ dir: disk.dir, phase: last.phase }, 'found a live hostagent from before; adopting it');
      const w = startWatcher(k, s, ctx, 0);
      // The watcher replays the run's events from the start; begin from where they end.
      w.phase = last.phase;
      w.degradedErrors = last.errors;
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
    releaseAndDelete(api, o, fin);
    ctx.log.info({ kind: o.kind, name: o.metadata.name }, 'deleted owned object');
  }
}
