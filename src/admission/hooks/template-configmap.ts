// Template ConfigMaps (labelled lima.rancherdesktop.io/template-configmap=true) must hold a
// non-empty `template` that Lima accepts. Lima runs in the precheck (a subprocess must not run
// inside the write transaction); the validate phase looks its result up by content hash. Only a
// changed template is validated again, so finalizer or ownerRef edits never depend on Lima
// (docs/store.md, "Default hooks", template validation).
import { CONFIGMAP_KIND, TEMPLATE_CONFIGMAP_LABEL, TEMPLATE_KEY, type KindInfo } from '../../api/index.js';
import { invalid } from '../errors.js';
import { precheckStale } from '../prechecks.js';
import type { AdmissionHook, AdmissionRequest, TemplateValidator } from '../types.js';
import { precheckTemplate, templateKey, validationName, type TemplateCheck } from './template-check.js';

export const TEMPLATE_MISSING_MESSAGE = 'template ConfigMap must have a "template" data entry';
export const TEMPLATE_EMPTY_MESSAGE = '"template" data cannot be empty';
export function templateValidationFailedMessage(limaMessage: string): string {
  return `failed to validate template: ${limaMessage}`;
}

const isTemplateCM = (labels: Readonly<Record<string, string>> | undefined): boolean =>
  labels?.[TEMPLATE_CONFIGMAP_LABEL] === 'true';

/** Whether this write must (re)validate the template: a new template ConfigMap, or a changed template. */
function needsCheck(req: AdmissionRequest<'CREATE' | 'UPDATE'>): boolean {
  const obj = req.object;
  if (!isTemplateCM(obj.metadata.labels)) return false;
  if (req.operation === 'CREATE') return true;
  const old = req.oldObject;
  return !isTemplateCM(old.metadata.labels) || old.data?.[TEMPLATE_KEY] !== obj.data?.[TEMPLATE_KEY];
}

function reject(info: KindInfo, name: string, message: string): never {
  throw invalid(info, name, [{ field: `data.${TEMPLATE_KEY}`, reason: 'FieldValueInvalid', message }]);
}

export function templateConfigMapHook(validator: TemplateValidator): AdmissionHook<'CREATE' | 'UPDATE'> {
  return {
    name: 'template-configmap-validator.lima.rancherdesktop.io',
    kinds: [CONFIGMAP_KIND],
    operations: ['CREATE', 'UPDATE'],
    async precheck(req, ctx) {
      if (!needsCheck(req)) return;
      const text = req.object.data?.[TEMPLATE_KEY];
      if (text === undefined || text.trim() === '') return;
      await precheckTemplate(validator, ctx.prechecks, validationName(req.object.metadata.name), text, ctx.signal);
    },
    validate(req, ctx) {
      if (!needsCheck(req)) return;
      const obj = req.object;
      const name = obj.metadata.name;
      const text = obj.data?.[TEMPLATE_KEY];
      if (text === undefined) reject(req.kind, name, TEMPLATE_MISSING_MESSAGE);
      if (text.trim() === '') reject(req.kind, name, TEMPLATE_EMPTY_MESSAGE);
      const result = ctx.prechecks.get<TemplateCheck>(templateKey(text));
      if (result === undefined) throw precheckStale(`the template of ConfigMap ${obj.metadata.namespace ?? ''}/${name}`);
      if (!result.ok) reject(req.kind, name, templateValidationFailedMessage(result.message));
    },
  };
}
