// The store contract: Kubernetes object semantics over SQLite (docs/store.md, "Object semantics").
// Every method is synchronous: better-sqlite3 is synchronous, so one Node process gets
// linearizable writes, and a read-modify-write inside one handler turn is atomic.
import type { Resource, ResourceInput, ResourceOf } from '../api/index.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change, published after its transaction commits, in revision order. */
export interface ChangeEvent {
  /** The global revision of this write (== object.metadata.resourceVersion as a number). */
  readonly revision: number;
  readonly type: ChangeType;
  /** ADDED/MODIFIED: the new state. DELETED: the last state, with resourceVersion = the deletion revision. */
  readonly object: Resource;
  /** The state before this write (absent for ADDED). */
  readonly oldObject?: Resource;
}

export type WatchEventType = ChangeType | 'BOOKMARK';

/** What a watcher receives. */
export type WatchEvent =
  | { readonly type: ChangeType; readonly object: Resource }
  | { readonly type: 'BOOKMARK'; readonly object: BookmarkObject };

/** A BOOKMARK's object: only apiVersion, kind and metadata.resourceVersion (and its annotation). */
export interface BookmarkObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly resourceVersion: string; readonly annotations?: Record<string, string> };
}

export interface ListOptions {
  /** Restrict to one namespace; undefined = all namespaces (or cluster-scoped kinds). */
  readonly namespace?: string;
  /** Kubernetes label selector syntax: `a=b,c!=d,e in (f,g),!h`. Parse errors throw 400. */
  readonly labelSelector?: string;
  /** Restrict to one name (field selector metadata.name). */
  readonly name?: string;
}

export interface ListResult<T extends Resource = Resource> {
  readonly items: T[];
  /** The current global revision at the time of the list (start a watch from here). */
  readonly resourceVersion: string;
}

export interface WatchOptions extends ListOptions {
  readonly kind: string;
  /**
   * Exclusive start revision: events strictly after it are delivered (replayed, then live).
   * Undefined, '' or '0': a synthetic ADDED for every current matching object, then live.
   * A revision older than the compaction point throws Expired (410).
   */
  readonly resourceVersion?: string;
  /** Send a BOOKMARK (annotated `k8s.io/initial-events-end`) after the initial state / replay. */
  readonly bookmarks?: boolean;
}

export interface WatchHandle {
  /** Emits a BOOKMARK at the current revision now (a no-op unless the watch asked for bookmarks). */
  bookmark(): void;
  close(): void;
  readonly closed: boolean;
}

export interface WriteOptions {
  /** Kind-level admission is not the store's job; the store only enforces object semantics. */
  readonly fieldManager?: string;
}

export interface DeleteOptions {
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  /** Stored as metadata.deletionGracePeriodSeconds when the delete is deferred by finalizers. */
  readonly gracePeriodSeconds?: number;
}

export interface DeleteResult<T extends Resource = Resource> {
  /** The object after the delete: with deletionTimestamp if deferred, else its last state. */
  readonly object: T;
  /** True if the object is gone; false if finalizers deferred the removal. */
  readonly removed: boolean;
}

/**
 * Reads and writes that name a literal kind (`APP_KIND`) return that kind's type (see KindMap in
 * src/api/kind-map.ts); a runtime `string` kind gives Resource. Writes of a body take the kind
 * from its `kind` field's type.
 */
export interface Store {
  /** The object, or undefined when absent. */
  get<K extends string>(kind: K, namespace: string, name: string): ResourceOf<K> | undefined;
  /** Like get, but throws NotFound (404). */
  mustGet<K extends string>(kind: K, namespace: string, name: string): ResourceOf<K>;
  list<K extends string>(kind: K, opts?: ListOptions): ListResult<ResourceOf<K>>;
  /** Every object (any kind) whose ownerReferences contain `ownerUid`. */
  listOwnedBy(ownerUid: string): Resource[];
  /** The newest committed revision. */
  currentRevision(): number;

  /**
   * Creates an object. Server fields (uid, creationTimestamp, resourceVersion, generation=1) are
   * set; `status` is kept only for kinds without a status subresource. AlreadyExists (409).
   */
  create<K extends string>(obj: ResourceInput & { readonly kind: K }): ResourceOf<K>;
  /**
   * Replaces everything but status. Requires metadata.resourceVersion (422 if missing; 409 if stale).
   * generation bumps when anything outside metadata/status changes. A no-op is not stored.
   * Removing the last finalizer of a deleting object removes it (DELETED event).
   * Adding a finalizer to a deleting object is 422.
   */
  update<K extends string>(obj: Resource & { readonly kind: K }): ResourceOf<K>;
  /** Replaces only status (status subresource). RV precondition when given; never bumps generation. */
  updateStatus<K extends string>(obj: Resource & { readonly kind: K }): ResourceOf<K>;
  /**
   * JSON merge patch (RFC 7386) on the object, or on status only with subresource 'status'.
   * Conditional only if the patch carries metadata.resourceVersion.
   */
  patch<K extends string>(kind: K, namespace: string, name: string, patch: unknown, opts?: { subresource?: 'status' }): ResourceOf<K>;
  /** Deletes now, or sets deletionTimestamp when finalizers remain. Repeated deletes are no-ops. */
  delete<K extends string>(kind: K, namespace: string, name: string, opts?: DeleteOptions): DeleteResult<ResourceOf<K>>;

  /**
   * Runs `fn` in one transaction (nested calls become savepoints). Events are published after the
   * outermost commit; a throw rolls everything back and publishes nothing.
   */
  transaction<T>(fn: () => T): T;
  /** Runs `fn` in a transaction that is always rolled back: nothing is stored, no event, no revision used. */
  dryRun<T>(fn: () => T): T;

  /** Live committed changes in revision order. Listeners must not throw (errors are logged). */
  subscribe(listener: (ev: ChangeEvent) => void): () => void;
  /** Replay-then-live watch with selector transitions (docs/store.md, "Watch"). */
  watch(opts: WatchOptions, onEvent: (ev: WatchEvent) => void): WatchHandle;

  /** Drops history older than the newest `keep` revisions. Returns the compaction revision. */
  compact(keep?: number): number;
  /** The oldest revision a watch may start from (the compaction point). */
  compactedRevision(): number;
  close(): void;
}
