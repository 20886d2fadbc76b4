// The kubeconfig that points kubectl and client libraries at the daemon's Kubernetes API: the CA
// embedded, the instance token, one context named after the instance.
import { stringify } from 'yaml';
import { writePrivateFile } from '../transport/endpoint.js';

export interface KubeconfigInput {
  readonly server: string;
  readonly caPem: string;
  readonly token: string;
  /** Cluster, user and context name (the instance's display name, e.g. `rdd-2`). */
  readonly name: string;
}

export function renderKubeconfig(k: KubeconfigInput): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: k.name, cluster: { server: k.server, 'certificate-authority-data': Buffer.from(k.caPem).toString('base64') } }],
    users: [{ name: k.name, user: { token: k.token } }],
    contexts: [{ name: k.name, context: { cluster: k.name, user: k.name, namespace: 'default' } }],
    'current-context': k.name,
    preferences: {},
  });
}

/** Written atomically with mode 0600: it holds the token. */
export function writeKubeconfig(file: string, k: KubeconfigInput): void {
  writePrivateFile(file, renderKubeconfig(k));
}

/** The context name of an instance: `rdd-<instance>` (distinct from the VM's own k3s context). */
export function contextName(instance: string): string {
  return `rdd-${instance}`;
}
