// LimaVM condition reasons and messages (docs/controllers.md, "Conditions"). Tests and the App
// assert on these.

export const Created = {
  CreateFailed: 'CreateFailed',
  /** An on-disk instance that this LimaVM did not create: it is never touched (docs/controllers.md, "States"). */
  InstanceExists: 'InstanceExists',
  Pending: { reason: 'Pending', message: 'Reconciliation in progress' },
  Created: { reason: 'Created', message: 'Lima instance created successfully' },
  Exists: { reason: 'Created', message: 'Lima instance exists' },
  Adopted: { reason: 'Created', message: 'Lima instance adopted' },
  Resetting: { reason: 'Pending', message: 'Resetting: the instance will be recreated from the template' },
} as const;

export const Running = {
  Reconciling: { reason: 'Reconciling', message: 'Verifying instance state after controller restart' },
  Starting: { reason: 'Starting', message: 'Lima instance is starting' },
  Started: { reason: 'Started', message: 'Lima instance is running' },
  Stopped: { reason: 'Stopped', message: 'Lima instance is stopped' },
  StoppedOk: { reason: 'Stopped', message: 'Lima instance stopped successfully' },
  StoppedForRestart: { reason: 'Stopped', message: 'Stopped for restart' },
  StoppedForReset: { reason: 'Stopped', message: 'Lima instance was reset' },
  StartFailed: 'StartFailed',
  StopFailed: 'StopFailed',
} as const;

export const Deleting = {
  TeardownFailed: 'TeardownFailed',
} as const;

export function instanceExistsMessage(name: string, dir: string): string {
  return (
    `a Lima instance named "${name}" already exists at ${dir} and was not created by this LimaVM; ` +
    `it is left untouched. Delete it with "limactl delete ${name}", or set the annotation ` +
    `lima.rancherdesktop.io/adopt=true on this LimaVM to adopt it`
  );
}

export function degradedMessage(errors: readonly string[]): string {
  return `Lima instance is running, but degraded: ${errors.join('; ') || 'no details'}`;
}
