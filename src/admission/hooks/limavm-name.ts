// A LimaVM name is also a Lima instance name and a directory under LIMA_HOME: it must be valid
// for both, and unique across all namespaces. The uniqueness check reads inside the write
// transaction, so two concurrent creates cannot both pass. It runs in the mutating phase, ahead
// of the defaulter that creates `<name>-template`, so a duplicate gets this message and not
// the template ConfigMap's AlreadyExists.
import {
  ApiError,
  dns1123SubdomainErrors,
  LIMAVM_KIND,
  limaInstanceNameErrors,
  type Resource,
} from '../../api/index.js';
import { invalid } from '../errors.js';
import type { AdmissionHook } from '../types.js';

export function limaVMNameInUseMessage(name: string, namespace: string): string {
  return `LimaVM name ${JSON.stringify(name)} is already used in namespace ${JSON.stringify(namespace)}; LimaVM names must be unique across all namespaces`;
}

export function limaVMNameHook(): AdmissionHook<'CREATE'> {
  return {
    name: 'limavm-name.lima.rancherdesktop.io',
    kinds: [LIMAVM_KIND],
    operations: ['CREATE'],
    mutate(req, ctx) {
      const vm = req.object;
      const name = vm.metadata.name;
      const problems = [...dns1123SubdomainErrors(name), ...limaInstanceNameErrors(name)];
      if (problems.length > 0) {
        throw invalid(
          req.kind,
          name,
          problems.map((p) => ({ field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(name)}: ${p}` })),
        );
      }
      const other: Resource | undefined = ctx.store
        .list(LIMAVM_KIND, { name })
        .items.find((o) => o.metadata.uid !== vm.metadata.uid);
      if (other) {
        throw new ApiError(409, 'AlreadyExists', limaVMNameInUseMessage(name, other.metadata.namespace ?? ''), {
          kind: LIMAVM_KIND,
          name,
        });
      }
    },
  };
}
