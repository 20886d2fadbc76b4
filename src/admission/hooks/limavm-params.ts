// spec.params on a live LimaVM: a change rewrites the `param:` block of `<vm>-template` in the
// same transaction (through a nested, validated ConfigMap update), so the template ConfigMap stays
// the one source of truth and a params change flows through the normal template-change path
// (a running VM restarts, a stopped one stays stopped). Keys dropped from spec.params are removed
// from the block. Lima validates the new text in the precheck, so unknown params fail fast (422).
import { isMap, parseDocument } from 'yaml';
import { CONFIGMAP_KIND, LIMAVM_KIND, TEMPLATE_KEY, clone, type LimaVMSpec, type Resource } from '../../api/index.js';
import { invalid } from '../errors.js';
import type { AdmissionHook, AdmissionRequest, PrecheckContext, TemplateValidator } from '../types.js';
import { precheckTemplate } from './template-check.js';
import { templateConfigMapName } from './limavm-defaulter.js';

const paramsOf = (o: Resource | undefined): Record<string, string> => (o?.spec as Partial<LimaVMSpec> | undefined)?.params ?? {};

function sameParams(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** The template with `old` keys removed from `param:` and `next` set. */
export function replaceParams(text: string, old: Record<string, string>, next: Record<string, string>): string {
  const doc = parseDocument(text);
  if (doc.errors[0]) throw new Error(`the template is not valid YAML: ${doc.errors[0].message}`);
  let block = doc.get('param', true);
  if (block === undefined || block === null) {
    if (Object.keys(next).length === 0) return text;
    doc.set('param', doc.createNode({}));
    block = doc.get('param', true);
  }
  if (!isMap(block)) throw new Error('"param" in the template is not a map');
  for (const k of Object.keys(old)) if (!(k in next)) block.delete(k);
  for (const [k, v] of Object.entries(next)) block.set(k, v);
  if (block.items.length === 0) doc.delete('param');
  return doc.toString();
}

function newText(req: AdmissionRequest<'UPDATE'>, cm: Resource | undefined): string | undefined {
  const text = cm?.data?.[TEMPLATE_KEY];
  if (text === undefined) return undefined;
  try {
    return replaceParams(text, paramsOf(req.oldObject), paramsOf(req.object));
  } catch (e) {
    throw invalid(req.kind, req.object.metadata.name, [
      { field: 'spec.params', reason: 'FieldValueInvalid', message: `Invalid value: cannot merge params into the template: ${(e as Error).message}` },
    ]);
  }
}

const changed = (req: AdmissionRequest<'UPDATE'>): boolean => !sameParams(paramsOf(req.oldObject), paramsOf(req.object));
const cmOf = (store: PrecheckContext['store'], vm: Resource) =>
  store.get(CONFIGMAP_KIND, vm.metadata.namespace ?? '', templateConfigMapName(vm.metadata.name));

export function limaVMParamsHook(validator: TemplateValidator): AdmissionHook<'UPDATE'> {
  return {
    name: 'limavm-params.lima.rancherdesktop.io',
    kinds: [LIMAVM_KIND],
    operations: ['UPDATE'],
    async precheck(req, ctx) {
      if (!changed(req)) return;
      let text: string | undefined;
      try {
        text = newText(req, cmOf(ctx.store, req.object));
      } catch {
        return; // reported by the sync phase
      }
      if (text !== undefined) await precheckTemplate(validator, ctx.prechecks, req.object.metadata.name, text, ctx.signal);
    },
    mutate(req, ctx) {
      if (!changed(req)) return;
      const cm = cmOf(ctx.store, req.object);
      const text = newText(req, cm);
      if (!cm || text === undefined || text === cm.data?.[TEMPLATE_KEY]) return;
      // Validated by the template ConfigMap hook, which finds the result prechecked above.
      ctx.nested.update({ ...clone(cm), data: { ...cm.data, [TEMPLATE_KEY]: text } });
    },
  };
}
