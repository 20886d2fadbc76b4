// The template ConfigMap validator selects ConfigMaps by label; an owned template ConfigMap
// must keep the label, or edits could bypass validation.
import { CONFIGMAP_KIND, ownedByFinalizers, TEMPLATE_CONFIGMAP_LABEL } from '../../api/index.js';
import { forbidden } from '../errors.js';
import type { AdmissionHook } from '../types.js';

export const TEMPLATE_LABEL_REMOVAL_MESSAGE = `cannot remove ${TEMPLATE_CONFIGMAP_LABEL} label: resource is owned`;

export function templateLabelGuardHook(): AdmissionHook<'UPDATE'> {
  return {
    name: 'template-configmap-label-guard.lima.rancherdesktop.io',
    kinds: [CONFIGMAP_KIND],
    operations: ['UPDATE'],
    validate(req) {
      const old = req.oldObject;
      if (ownedByFinalizers(old.metadata.finalizers).length === 0) return;
      if (old.metadata.labels?.[TEMPLATE_CONFIGMAP_LABEL] !== 'true') return;
      if (req.object.metadata.labels?.[TEMPLATE_CONFIGMAP_LABEL] !== 'true') {
        throw forbidden(req.kind, old.metadata.name, TEMPLATE_LABEL_REMOVAL_MESSAGE);
      }
    },
  };
}
