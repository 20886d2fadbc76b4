// App spec.namespace cannot change once set (an unset value counts as "default").
import { APP_KIND, DEFAULT_APP_NAMESPACE, type AppSpec } from '../../api/index.js';
import { invalid } from '../errors.js';
import type { AdmissionHook } from '../types.js';

export const APP_NAMESPACE_IMMUTABLE_MESSAGE = 'spec.namespace is immutable';

const nsOf = (spec: unknown): string => (spec as Partial<AppSpec> | undefined)?.namespace ?? DEFAULT_APP_NAMESPACE;

export function appNamespaceImmutableHook(): AdmissionHook<'UPDATE'> {
  return {
    name: 'app-namespace-immutable.app.rancherdesktop.io',
    kinds: [APP_KIND],
    operations: ['UPDATE'],
    validate(req) {
      const next = nsOf(req.object.spec);
      if (next !== nsOf(req.oldObject.spec)) {
        throw invalid(req.kind, req.object.metadata.name, [
          {
            field: 'spec.namespace',
            reason: 'FieldValueInvalid',
            message: `Invalid value: ${JSON.stringify(next)}: ${APP_NAMESPACE_IMMUTABLE_MESSAGE}`,
          },
        ]);
      }
    },
  };
}
