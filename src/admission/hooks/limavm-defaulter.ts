// LimaVM create (docs/store.md, "Default hooks", LimaVM defaulter): add the cleanup finalizer, read the
// source ConfigMap named by spec.templateRef, merge spec.params into its `param:` map, and create
// `<vm>-template` through a nested admitted write. Everything shares the request's transaction,
// so a later rejection or a dry run leaves no ConfigMap behind. The
// owner reference on the ConfigMap is set later by the LimaVM actor: the VM has no uid yet.
import {
  addFinalizer,
  ApiError,
  CLEANUP_FINALIZER,
  CONFIGMAP_KIND,
  CORE_API_VERSION,
  errors,
  LIMAVM_KIND,
  ownedByFinalizer,
  TEMPLATE_CONFIGMAP_LABEL,
  TEMPLATE_KEY,
  toApiError,
  type LimaVMSpec,
  type Resource,
  type ResourceInput,
  templateConfigMapName,
} from '../../api/index.js';
import { invalid, wrap } from '../errors.js';
import { isPrecheckStale } from '../prechecks.js';
import type { AdmissionHook, AdmissionRequest, PrecheckContext, TemplateValidator } from '../types.js';
import { mergeParams, precheckTemplate } from './template-check.js';

export const CREATE_TEMPLATE_FAILED_PREFIX = 'failed to create template ConfigMap';

export function fetchTemplateFailedMessage(name: string, namespace: string, err: string): string {
  return `failed to fetch template data: failed to get templateRef ConfigMap ${JSON.stringify(name)} in namespace ${JSON.stringify(namespace)}: ${err}`;
}

/** The naming rule lives in src/api (names.ts); re-exported for admission's callers. */
export { templateConfigMapName };

interface Source {
  readonly name: string;
  readonly namespace: string;
}

function sourceOf(vm: Resource): Source | undefined {
  const ref = (vm.spec as Partial<LimaVMSpec> | undefined)?.templateRef;
  const namespace = ref?.namespace || vm.metadata.namespace;
  return ref?.name && namespace ? { name: ref.name, namespace } : undefined;
}

function paramsOf(vm: Resource): Record<string, string> | undefined {
  return (vm.spec as Partial<LimaVMSpec> | undefined)?.params;
}

/** The source template text; a ConfigMap without `template` gives "" (rejected later as empty). */
function readSource(store: PrecheckContext['store'], src: Source): string {
  let cm: Resource | undefined;
  let failure: ApiError | undefined;
  try {
    cm = store.get(CONFIGMAP_KIND, src.namespace, src.name);
  } catch (e) {
    failure = toApiError(e);
  }
  if (cm) return cm.data?.[TEMPLATE_KEY] ?? '';
  failure ??= errors.notFound('configmaps', src.name, { kind: CONFIGMAP_KIND });
  throw new ApiError(failure.code, failure.reason, fetchTemplateFailedMessage(src.name, src.namespace, failure.message), failure.details);
}

function merged(req: AdmissionRequest<'CREATE'>, text: string): string {
  if (text.trim() === '') return text;
  try {
    return mergeParams(text, paramsOf(req.object));
  } catch (e) {
    throw invalid(req.kind, req.object.metadata.name, [
      { field: 'spec.params', reason: 'FieldValueInvalid', message: `Invalid value: cannot merge params into the template: ${(e as Error).message}` },
    ]);
  }
}

export function limaVMDefaulterHook(validator: TemplateValidator): AdmissionHook<'CREATE'> {
  return {
    name: 'limavm-defaulter.lima.rancherdesktop.io',
    kinds: [LIMAVM_KIND],
    operations: ['CREATE'],
    async precheck(req, ctx) {
      const src = sourceOf(req.object);
      if (!src) return;
      let text: string;
      try {
        text = merged(req, readSource(ctx.store, src));
      } catch {
        return; // the sync phase reports it, inside the transaction
      }
      if (text.trim() === '') return;
      await precheckTemplate(validator, ctx.prechecks, req.object.metadata.name, text, ctx.signal);
    },
    mutate(req, ctx) {
      const vm = req.object;
      addFinalizer(vm, CLEANUP_FINALIZER);
      const src = sourceOf(vm);
      if (!src) return; // schema validation reports the missing templateRef
      const text = merged(req, readSource(ctx.store, src));
      const cm: ResourceInput = {
        apiVersion: CORE_API_VERSION,
        kind: CONFIGMAP_KIND,
        metadata: {
          name: templateConfigMapName(vm.metadata.name),
          namespace: vm.metadata.namespace,
          labels: { [TEMPLATE_CONFIGMAP_LABEL]: 'true' },
          finalizers: [ownedByFinalizer(LIMAVM_KIND)],
        },
        data: { [TEMPLATE_KEY]: text },
      };
      try {
        ctx.nested.create(cm);
      } catch (e) {
        if (isPrecheckStale(e)) throw e;
        throw wrap(CREATE_TEMPLATE_FAILED_PREFIX, toApiError(e));
      }
    },
  };
}
