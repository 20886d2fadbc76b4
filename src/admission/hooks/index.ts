// The admission hooks rdd registers by default, in the order they run within each phase.
import type { AdmissionHook, TemplateValidator } from '../types.js';
import { appNamespaceImmutableHook } from './app-namespace-immutable.js';
import { appSingletonHook } from './app-singleton.js';
import { limaVMDefaulterHook } from './limavm-defaulter.js';
import { limaVMNameHook } from './limavm-name.js';
import { limaVMTemplateRefImmutableHook } from './limavm-templateref-immutable.js';
import { namespaceLifecycleHook } from './namespace-lifecycle.js';
import { ownedDeletionGuardHook } from './owned-deletion-guard.js';
import { ownedFinalizerGuardHook } from './owned-finalizer-guard.js';
import { templateConfigMapHook } from './template-configmap.js';
import { templateLabelGuardHook } from './template-label-guard.js';

export { APP_NAME_MESSAGE } from './app-singleton.js';
export { APP_NAMESPACE_IMMUTABLE_MESSAGE } from './app-namespace-immutable.js';
export { TEMPLATEREF_IMMUTABLE_MESSAGE } from './limavm-templateref-immutable.js';
export { limaVMNameInUseMessage } from './limavm-name.js';
export { terminatingNamespaceMessage } from './namespace-lifecycle.js';
export { ownedDeletionMessage } from './owned-deletion-guard.js';
export { ownedFinalizerMessage } from './owned-finalizer-guard.js';
export { TEMPLATE_LABEL_REMOVAL_MESSAGE } from './template-label-guard.js';
export {
  TEMPLATE_EMPTY_MESSAGE,
  TEMPLATE_MISSING_MESSAGE,
  templateValidationFailedMessage,
} from './template-configmap.js';
export { CREATE_TEMPLATE_FAILED_PREFIX, fetchTemplateFailedMessage, templateConfigMapName } from './limavm-defaulter.js';
export { mergeParams, templateKey } from './template-check.js';

export function defaultHooks(deps: { templateValidator: TemplateValidator }): AdmissionHook[] {
  return [
    // Mutating phase, in this order: the namespace must exist before anything is created in it,
    // and the VM name must be free before the defaulter creates `<name>-template`. The finalizer
    // guard goes first: it must see a client's object before any hook changes it.
    ownedFinalizerGuardHook(),
    namespaceLifecycleHook(),
    limaVMNameHook(),
    limaVMDefaulterHook(deps.templateValidator),
    // Validating phase.
    appSingletonHook(),
    appNamespaceImmutableHook(),
    limaVMTemplateRefImmutableHook(),
    ownedDeletionGuardHook(),
    templateLabelGuardHook(),
    templateConfigMapHook(deps.templateValidator),
  ];
}
