// LimaVM (lima.rancherdesktop.io/v1alpha1): one Lima instance, namespaced, unique name across namespaces.
import { Type, type Static } from '@sinclair/typebox';
import type { Resource } from '../meta.js';
import { ConditionsSchema, StringMap } from './common.js';

export const LIMAVM_API_VERSION = 'lima.rancherdesktop.io/v1alpha1';
export const LIMAVM_KIND = 'LimaVM';

export const LimaVMSpecSchema = Type.Object(
  {
    templateRef: Type.Object(
      {
        name: Type.String({ minLength: 1, description: 'Name of the source ConfigMap; it must have a "template" key.' }),
        namespace: Type.Optional(Type.String({ description: "Namespace of the source ConfigMap; defaults to the VM's." })),
      },
      { description: 'Source of the Lima template. Read once, at creation. Immutable.' },
    ),
    running: Type.Boolean({ default: false, description: 'Whether the VM should be running.' }),
    params: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9_]*$' }), Type.String(), {
        description: 'Values merged into the template\'s "param:" block. A change restarts a running VM.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const LimaVMStatusSchema = Type.Object({
  templateConfigMap: Type.Optional(Type.String()),
  observedTemplateResourceVersion: Type.Optional(Type.String()),
  /** The params last applied to the instance's lima.yaml (a change means a restart). */
  observedParams: Type.Optional(StringMap),
  restartNeeded: Type.Optional(Type.Boolean()),
  /** A pending reset (stop, delete the instance, recreate it from the template). */
  resetNeeded: Type.Optional(Type.Boolean()),
  restartCount: Type.Optional(Type.Integer({ minimum: 0 })),
  conditions: Type.Optional(ConditionsSchema),
});

export type LimaVMSpec = Static<typeof LimaVMSpecSchema>;
export type LimaVMStatus = Static<typeof LimaVMStatusSchema>;
export type LimaVM = Resource<LimaVMSpec, LimaVMStatus> & { spec: LimaVMSpec };

/** LimaVM condition types (docs/controllers.md, "LimaVM lifecycle" › "Conditions"), Deleting for a visible teardown. */
export const LimaVMConditions = {
  Created: 'Created',
  Running: 'Running',
  Deleting: 'Deleting',
} as const;
