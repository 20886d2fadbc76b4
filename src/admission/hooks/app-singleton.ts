// App is a singleton: its only allowed name is `app`.
import { APP_KIND, APP_NAME } from '../../api/index.js';
import { invalid } from '../errors.js';
import type { AdmissionHook } from '../types.js';

export const APP_NAME_MESSAGE = "App resource must be named 'app'";

export function appSingletonHook(): AdmissionHook<'CREATE'> {
  return {
    name: 'app-singleton.app.rancherdesktop.io',
    kinds: [APP_KIND],
    operations: ['CREATE'],
    validate(req) {
      const name = req.object.metadata.name;
      if (name !== APP_NAME) {
        throw invalid(req.kind, name, [{ field: 'metadata.name', reason: 'FieldValueInvalid', message: APP_NAME_MESSAGE }]);
      }
    },
  };
}
