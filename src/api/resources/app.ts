// App (app.rancherdesktop.io/v1alpha1): the cluster-scoped singleton that owns the VM `rd`.
import { Type, type Static } from '@sinclair/typebox';
import type { Resource } from '../meta.js';
import { ConditionsSchema } from './common.js';

export const APP_API_VERSION = 'app.rancherdesktop.io/v1alpha1';
export const APP_KIND = 'App';
/** The only name an App may have. */
export const APP_NAME = 'app';
/** The name of the LimaVM (and its input ConfigMap) that the App creates. */
export const APP_VM_NAME = 'rd';
export const DEFAULT_APP_NAMESPACE = 'default';

export const AppSpecSchema = Type.Object(
  {
    running: Type.Boolean({ description: 'Whether the VM should be running. Setting it starts or stops the VM.' }),
    namespace: Type.Optional(
      Type.String({
        description:
          'Namespace where the App creates its LimaVM and ConfigMaps. Immutable once set; defaults to "default".',
        default: 'default',
        minLength: 1,
      }),
    ),
    containerEngine: Type.Optional(
      Type.Object(
        {
          name: Type.Union([Type.Literal('moby'), Type.Literal('containerd')], {
            description: 'Container engine that runs in the VM. A change restarts the VM.',
            default: 'moby',
          }),
        },
        { description: 'Container engine settings.', default: { name: 'moby' } },
      ),
    ),
    kubernetes: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({ description: 'Whether k3s runs in the VM. A change restarts the VM.' }),
          version: Type.Optional(
            Type.String({
              description:
                'k3s version: a concrete x.y.z or a channel (stable, latest, 1.32). Channels resolve to a bundled version.',
            }),
          ),
        },
        { description: 'Kubernetes settings.' },
      ),
    ),
    virtualMachine: Type.Optional(
      Type.Object(
        {
          cpus: Type.Optional(
            Type.Integer({ description: 'Number of virtual CPUs. 0 means the default (2, clamped to the host).' }),
          ),
          memory: Type.Optional(
            Type.Union([Type.Integer(), Type.String()], {
              description: 'Memory size as a quantity, e.g. 4Gi. Unset means 25% of host memory, within 2-6 GiB.',
              format: 'quantity',
            }),
          ),
        },
        { description: 'Virtual machine resources.' },
      ),
    ),
    application: Type.Optional(
      Type.Object(
        {
          updates: Type.Optional(
            Type.Object(
              {
                enabled: Type.Optional(
                  Type.Boolean({ description: 'Whether the GUI checks for updates. The daemon ignores it.', default: true }),
                ),
              },
              { description: 'Update settings.', default: { enabled: true } },
            ),
          ),
        },
        { description: 'Application settings used by the GUI.', default: { updates: { enabled: true } } },
      ),
    ),
  },
  { additionalProperties: false },
);

export const AppStatusSchema = Type.Object({
  kubernetesPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  conditions: Type.Optional(ConditionsSchema),
});

export type AppSpec = Static<typeof AppSpecSchema>;
export type AppStatus = Static<typeof AppStatusSchema>;
export type App = Resource<AppSpec, AppStatus> & { spec: AppSpec };

/** App condition types written by the App actor. */
export const AppConditions = {
  Created: 'Created',
  Running: 'Running',
  Settled: 'Settled',
  Deleting: 'Deleting',
} as const;
