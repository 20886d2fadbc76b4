// The resource type of each kind, keyed by kind name, so reads and writes that name a literal kind
// (`store.get(APP_KIND, …)`) return that kind's type and callers need no cast. A kind given as a
// runtime `string` gives the plain Resource.
import type { Resource } from './meta.js';
import { APP_KIND, type App } from './resources/app.js';
import { CONFIGMAP_KIND, NAMESPACE_KIND, type ConfigMap, type Namespace } from './resources/configmap.js';
import { LIMAVM_KIND, type LimaVM } from './resources/limavm.js';

export interface KindMap {
  [APP_KIND]: App;
  [LIMAVM_KIND]: LimaVM;
  [CONFIGMAP_KIND]: ConfigMap;
  [NAMESPACE_KIND]: Namespace;
}

/** A kind name that has its own resource type. */
export type KnownKind = keyof KindMap;

/** The resource type for kind `K`: its KindMap entry for a known literal kind, else Resource. */
export type ResourceOf<K extends string> = string extends K ? Resource : K extends KnownKind ? KindMap[K] : Resource;

/**
 * Types an object read or written as kind `kind`. The store and admission key every object by
 * its kind, so an object they return for `kind` is of that kind; this is the one place that
 * relies on it.
 */
export function ofKind<K extends string>(_kind: K, obj: Resource): ResourceOf<K> {
  return obj as ResourceOf<K>;
}

/** ofKind for a list of objects of kind `kind`. */
export function allOfKind<K extends string>(_kind: K, items: Resource[]): ResourceOf<K>[] {
  return items as ResourceOf<K>[];
}
