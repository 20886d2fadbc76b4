// The App controller: For App (one actor per App under the `apps` supervisor), Owns its LimaVM
// (whose actor it spawns as its own child) and its input ConfigMap, and Watches whatever carries
// one of its names (a foreign object there is a conflict it reports), its VM's template
// ConfigMap, and namespaces (it recreates its own, or waits while it terminates).
import { APP_KIND, APP_VM_NAME, CONFIGMAP_KIND, LIMAVM_KIND, NAMESPACE_KIND, controllerOf, templateConfigMapName } from '../../api/index.js';
import { appHooks } from '../../admission/hooks/app-defaults.js';
import { perObject, type Controller } from '../controller.js';
import { templateVmOf, vmDeps } from '../limavm/controller.js';
import { appBehavior } from './actor.js';
import { loadK3sVersions } from './assets.js';
import { renderAppTemplateFor } from './template.js';

/** The names of the objects an App makes in its namespace. */
const APP_NAMES: ReadonlySet<string> = new Set([APP_VM_NAME, templateConfigMapName(APP_VM_NAME)]);

export const appController: Controller = {
  kind: APP_KIND,
  hooks: (env) => appHooks({
    host: env.host,
    versions: loadK3sVersions(),
    ...(env.defaultCpus !== undefined ? { defaultCpus: env.defaultCpus } : {}),
    template: { validator: env.templateValidator, render: (spec, port) => renderAppTemplateFor(env.instance, spec, port) },
  }),
  behavior: perObject('apps', 'app', (env) => env.apps, (t, env, onGone) => appBehavior(t.uid, t.name, {
    store: env.store, api: env.api, registry: env.apps, random: env.random,
    instance: env.instance,
    cfg: env.appConfig,
    vm: vmDeps(env),
    onGone,
    ...(env.faultPoint ? { faultPoint: env.faultPoint } : {}),
  })),
  owns: [{ kind: LIMAVM_KIND, children: true }, { kind: CONFIGMAP_KIND }],
  watches: [
    // An object with a name the App uses, whoever controls it: a foreign one is a conflict the App
    // reports, and the App must see it change or go.
    { kind: LIMAVM_KIND, map: (o) => (APP_NAMES.has(o.metadata.name) ? 'all' : []) },
    {
      kind: CONFIGMAP_KIND,
      map(cm, store) {
        if (APP_NAMES.has(cm.metadata.name)) return 'all';
        // A VM's template concerns that VM's App too.
        const vm = templateVmOf(cm, store);
        const app = vm && controllerOf(vm);
        return app?.kind === APP_KIND ? [app.uid] : [];
      },
    },
    { kind: NAMESPACE_KIND, map: () => 'all' },
  ],
};
