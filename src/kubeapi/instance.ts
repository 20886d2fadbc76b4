// The Kubernetes API of one daemon instance: certificates in the service dir, the server, and
// the kubeconfig file that `rdd service kubeconfig` and `rdd kubectl` use.
import type { Api } from '../admission/types.js';
import type { Logger } from '../log.js';
import type { Paths } from '../service/instance.js';
import type { Store } from '../store/types.js';
import { contextName, writeKubeconfig } from './kubeconfig.js';
import { startKubeApi, type KubeApi } from './server.js';
import { ensureTls } from './tls.js';

export interface InstanceKubeApiOptions {
  readonly api: Api;
  readonly store: Store;
  readonly log: Logger;
  readonly paths: Paths;
  readonly instance: string;
  /** The instance token (the gateway's). */
  readonly token: string;
  readonly port?: number;
}

export async function startInstanceKubeApi(o: InstanceKubeApiOptions): Promise<KubeApi> {
  const tls = ensureTls(o.paths.kubeTlsDir, { commonName: `rdd-${o.instance}-ca` });
  const kube = await startKubeApi({ api: o.api, store: o.store, log: o.log, token: o.token, tls, ...(o.port !== undefined ? { port: o.port } : {}) });
  try {
    writeKubeconfig(o.paths.kubeconfig, { server: kube.url, caPem: tls.caPem, token: o.token, name: contextName(o.instance) });
  } catch (e) {
    await kube.close();
    throw e;
  }
  return kube;
}
