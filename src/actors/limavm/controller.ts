// The LimaVM controller: For LimaVM (a standalone VM's actor lives under the `limavms`
// supervisor; an App's VM is its App's child), Owns its template ConfigMap, and Watches
// ConfigMaps named and labelled as a VM's template.
import {
  APP_KIND,
  CONFIGMAP_KIND,
  LIMAVM_KIND,
  TEMPLATE_CONFIGMAP_LABEL,
  controllerOf,
  vmOfTemplateConfigMap,
  type Resource,
} from '../../api/index.js';
import { limaVMParamsHook } from '../../admission/hooks/limavm-params.js';
import type { Store } from '../../store/types.js';
import { perObject, type ActorEnv, type Controller } from '../controller.js';
import { limaVMBehavior } from './actor.js';

/** What a child VM actor needs besides its onGone (an App's VM children get the same). */
export function vmDeps(env: ActorEnv) {
  return { store: env.store, api: env.api, driver: env.driver, registry: env.vms, cfg: env.vmConfig, random: env.random };
}

/**
 * The VM a template ConfigMap serves: its controller VM (by name, the one there now), else the
 * VM its name and label say. None for a ConfigMap an App controls (the App's input).
 */
export function templateVmOf(cm: Resource, store: Store): Resource | undefined {
  const owner = controllerOf(cm);
  if (owner?.kind === APP_KIND) return undefined;
  const ns = cm.metadata.namespace ?? '';
  if (owner?.kind === LIMAVM_KIND) return store.list(LIMAVM_KIND, { namespace: ns, name: owner.name }).items[0];
  if (cm.metadata.labels?.[TEMPLATE_CONFIGMAP_LABEL] !== 'true') return undefined;
  const vmName = vmOfTemplateConfigMap(cm.metadata.name);
  return vmName === undefined ? undefined : store.get(LIMAVM_KIND, ns, vmName);
}

export const limaVMController: Controller = {
  kind: LIMAVM_KIND,
  hooks: (env) => [limaVMParamsHook(env.templateValidator)],
  behavior: perObject('limavms', 'limavm', (env) => env.vms, (t, env, onGone) => limaVMBehavior(t, { ...vmDeps(env), onGone })),
  owns: [{ kind: CONFIGMAP_KIND }],
  watches: [
    {
      kind: CONFIGMAP_KIND,
      map(cm, store) {
        const vm = templateVmOf(cm, store);
        return vm ? [vm.metadata.uid] : [];
      },
    },
  ],
};
