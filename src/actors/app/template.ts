// Renders the App's Lima template for one instance. Every host-side value that could collide
// between instances (SSH port, docker socket, Kubernetes port) is derived from the instance, and
// guest ports are forwarded to 127.0.0.1 only. Same inputs → byte-identical output, so the App
// patches the template ConfigMap only when something really changed.
import { parseDocument } from 'yaml';
import { parseQuantity, type AppSpec } from '../../api/index.js';
import { readTemplateAsset } from './assets.js';
import type { PortClaims } from './port.js';

export interface InstanceValues {
  readonly instanceName: string;
  readonly index: number;
  /** `<short dir>/docker.sock`. */
  readonly dockerSocket: string;
  /** The SSH port the daemon claimed for this instance (choosePort); unset only in tests. */
  readonly sshPort?: number;
  /** Where host ports are claimed, so no two instances share one; unset only in tests. */
  readonly portClaims?: PortClaims;
}

export interface RenderInputs extends InstanceValues {
  /** The App spec after admission defaults (cpus and memory are set). */
  readonly spec: AppSpec;
  /** status.kubernetesPort; 0 when Kubernetes is disabled. */
  readonly kubernetesPort: number;
}

export const SSH_PORT_BASE = 52000;
export const KUBERNETES_PORT_BASE = 7441;

/** The preferred SSH port of an instance's VM: 52000 + index (the daemon claims the real one). */
export function sshPortFor(index: number): number {
  return SSH_PORT_BASE + index;
}

/** The preferred Kubernetes API port of an instance: 7441 + index (7443 for the default instance). */
export function preferredKubernetesPort(index: number): number {
  return KUBERNETES_PORT_BASE + index;
}

/** A size in bytes as Lima's go-units string ("4GiB", "1536MiB"). */
export function limaSize(bytes: number): string {
  if (bytes % 2 ** 30 === 0) return `${bytes / 2 ** 30}GiB`;
  if (bytes % 2 ** 20 === 0) return `${bytes / 2 ** 20}MiB`;
  return `${Math.round(bytes)}`;
}

export function renderAppTemplate(i: RenderInputs): string {
  const doc = parseDocument(readTemplateAsset('app-lima.yaml'));
  const k8s = i.spec.kubernetes?.enabled === true;
  const cpus = i.spec.virtualMachine?.cpus;
  const memory = i.spec.virtualMachine?.memory;
  if (cpus !== undefined && cpus > 0) doc.set('cpus', cpus);
  const bytes = memory === undefined ? undefined : parseQuantity(memory);
  if (bytes !== undefined) doc.set('memory', limaSize(bytes));
  doc.setIn(['ssh', 'localPort'], i.sshPort ?? sshPortFor(i.index));
  doc.setIn(['portForwards', 0, 'hostPort'], k8s ? i.kubernetesPort : 0);
  if (!k8s) doc.setIn(['portForwards', 0, 'ignore'], true);
  doc.setIn(['portForwards', 1, 'hostSocket'], i.dockerSocket);
  doc.setIn(['param', 'CONTAINER_ENGINE'], i.spec.containerEngine?.name ?? 'moby');
  doc.setIn(['param', 'KUBERNETES_ENABLED'], String(k8s));
  doc.setIn(['param', 'KUBERNETES_VERSION'], k8s ? (i.spec.kubernetes?.version ?? '') : '');
  doc.setIn(['param', 'KUBERNETES_PORT'], String(k8s ? i.kubernetesPort : 0));
  doc.setIn(['param', 'HOST_DOCKER_SOCKET'], i.dockerSocket);
  doc.setIn(['param', 'INSTANCE'], i.instanceName);
  return doc.toString({ lineWidth: 0 });
}

/**
 * The template for App admission: the App's recorded Kubernetes port, else the one it will prefer
 * (the port changes nothing Lima checks).
 */
export function renderAppTemplateFor(instance: InstanceValues, spec: AppSpec, kubernetesPort: number | undefined): string {
  const k8s = spec.kubernetes?.enabled === true;
  return renderAppTemplate({ ...instance, spec, kubernetesPort: k8s ? (kubernetesPort || preferredKubernetesPort(instance.index)) : 0 });
}
