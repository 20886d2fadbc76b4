// Group/version/resource names of the served kinds, derived from the kind registry.
import { KINDS, type KindInfo } from '../api/index.js';

export interface GroupVersion {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly groupVersion: string;
}

export function groupVersionOf(k: KindInfo): GroupVersion {
  const slash = k.apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: k.apiVersion, groupVersion: k.apiVersion }
    : { group: k.apiVersion.slice(0, slash), version: k.apiVersion.slice(slash + 1), groupVersion: k.apiVersion };
}

/** Every group/version served, core first. */
export function groupVersions(): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const k of KINDS) {
    const gv = groupVersionOf(k);
    if (!seen.has(gv.groupVersion)) seen.set(gv.groupVersion, gv);
  }
  return [...seen.values()].sort((a, b) => (a.group === '' ? -1 : b.group === '' ? 1 : a.group.localeCompare(b.group)));
}

export function kindsIn(gv: string): KindInfo[] {
  return KINDS.filter((k) => k.apiVersion === gv);
}

/** The kind served at `<group>/<version>/<plural>`, or undefined. */
export function kindForResource(groupVersion: string, plural: string): KindInfo | undefined {
  return KINDS.find((k) => k.apiVersion === groupVersion && k.plural === plural);
}

/** App and LimaVM are what `kubectl get all` should show; the built-in kinds are not (as in Kubernetes). */
export function categoriesOf(k: KindInfo): string[] {
  return groupVersionOf(k).group === '' ? [] : ['all'];
}

/** URL prefix of a group/version: /api/v1 or /apis/<group>/<version>. */
export function gvPath(gv: GroupVersion): string {
  return gv.group === '' ? `/api/${gv.version}` : `/apis/${gv.group}/${gv.version}`;
}
