// Plain-object builders for planner tests (no store, no driver).
import type { App, Condition, ConfigMap, LimaVM } from '../../src/api/index.js';
import type { DiskState } from '../../src/actors/limavm/disk.js';
import type { Phase, PlanConfig, PlanInput, RetryView, Runtime, WatcherView } from '../../src/actors/limavm/plan.js';

export const UID = 'vm-uid-1';

export function vm(over: Partial<LimaVM['metadata']> = {}, spec: Partial<LimaVM['spec']> = {}, status: LimaVM['status'] = {}): LimaVM {
  return {
    apiVersion: 'lima.rancherdesktop.io/v1alpha1',
    kind: 'LimaVM',
    metadata: {
      name: 'vm1', namespace: 'default', uid: UID, resourceVersion: '10', generation: 1,
      creationTimestamp: '2026-01-01T00:00:00Z', finalizers: ['rdd.rancherdesktop.io/cleanup'], ...over,
    },
    spec: { templateRef: { name: 'src' }, running: false, ...spec },
    status,
  };
}

export function cond(type: string, status: Condition['status'], reason: string, message = '', observedGeneration = 1): Condition {
  return { type, status, reason, message, lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration };
}

export function cm(template = 'images: [{location: /x}]\n', rv = '5', ownerUid: string | null = UID): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'vm1-template', namespace: 'default', uid: 'cm-uid', resourceVersion: rv, generation: 1,
      creationTimestamp: '2026-01-01T00:00:00Z',
      ...(ownerUid ? { ownerReferences: [{ apiVersion: 'lima.rancherdesktop.io/v1alpha1', kind: 'LimaVM', name: 'vm1', uid: ownerUid, controller: true }] } : {}),
    },
    data: { template },
  };
}

export function disk(over: Partial<DiskState> = {}): DiskState {
  return { dir: '/lima/vm1', exists: false, status: 'Missing', errors: [], ...over };
}

export const cfg: PlanConfig = {
  stopGraceMs: 30_000,
  deleteGraceMs: 30_000,
  crashLoop: { max: 3, windowMs: 60_000 },
  adoptTimeoutMs: 10_000,
};

/** A watcher that has reported `phase`. */
export function watching(phase: Phase, degradedErrors: readonly string[] = [], since = 0): WatcherView {
  return { phase, since, degradedErrors };
}

/** The actor's memory, with the retry record's fields given flat. */
export function rt(over: Omit<Partial<Runtime>, 'retry'> & Partial<RetryView> = {}): Runtime {
  const { failures = [], lastFailure, retryAt, failedStartCleanup = false, ...rest } = over;
  return { ...rest, retry: { failures, lastFailure, retryAt, failedStartCleanup } };
}

export function input(over: Partial<PlanInput>): PlanInput {
  return { vm: vm(), cm: cm(), disk: disk(), rt: rt(), ownedCount: 0, now: 1_000_000, cfg, ...over };
}

/** A created VM whose template is on disk and recorded. */
export function createdVm(spec: Partial<LimaVM['spec']> = {}, extra: Condition[] = [], status: LimaVM['status'] = {}): LimaVM {
  return vm({}, spec, {
    templateConfigMap: 'vm1-template',
    observedTemplateResourceVersion: '5',
    ...status,
    conditions: [cond('Created', 'True', 'Created', 'Lima instance created successfully'), ...extra],
  });
}

export function onDisk(over: Partial<DiskState> = {}): DiskState {
  return disk({ exists: true, status: 'Stopped', owner: UID, limaYaml: 'images: [{location: /x}]\n', ...over });
}

export function app(spec: Partial<App['spec']> = {}, meta: Partial<App['metadata']> = {}, status: App['status'] = {}): App {
  return {
    apiVersion: 'app.rancherdesktop.io/v1alpha1',
    kind: 'App',
    metadata: { name: 'app', uid: 'app-uid', resourceVersion: '3', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z', finalizers: ['rdd.rancherdesktop.io/cleanup'], ...meta },
    spec: { running: true, namespace: 'default', ...spec },
    status,
  };
}
