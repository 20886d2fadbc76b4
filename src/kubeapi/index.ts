// The Kubernetes-compatible API (docs/kube-api.md).
export { startKubeApi, DEFAULT_KUBE_LIMITS, type KubeApi, type KubeApiOptions, type KubeApiStats } from './server.js';
export { ensureTls, tlsFiles, type TlsMaterial } from './tls.js';
export { contextName, renderKubeconfig, writeKubeconfig } from './kubeconfig.js';
export type { KubeLimits } from './resources.js';
