// LimaVM spec.templateRef is read once at creation, so it cannot change afterwards.
import { isDeepStrictEqual } from 'node:util';
import { LIMAVM_KIND, type LimaVMSpec } from '../../api/index.js';
import { invalid } from '../errors.js';
import type { AdmissionHook } from '../types.js';

export const TEMPLATEREF_IMMUTABLE_MESSAGE = 'templateRef is immutable';

const refOf = (spec: unknown): unknown => (spec as Partial<LimaVMSpec> | undefined)?.templateRef;

export function limaVMTemplateRefImmutableHook(): AdmissionHook<'UPDATE'> {
  return {
    name: 'limavm-templateref-immutable.lima.rancherdesktop.io',
    kinds: [LIMAVM_KIND],
    operations: ['UPDATE'],
    validate(req) {
      if (!isDeepStrictEqual(refOf(req.object.spec), refOf(req.oldObject.spec))) {
        throw invalid(req.kind, req.object.metadata.name, [
          { field: 'spec.templateRef', reason: 'FieldValueInvalid', message: `Invalid value: "object": ${TEMPLATEREF_IMMUTABLE_MESSAGE}` },
        ]);
      }
    },
  };
}
