// The condition stream: one change-feed listener for the whole gateway computes each object's
// condition transitions once, and fans them out to every matching subscription, encoding the
// body once per encoding (subscribers differ only in their `sub` field).
import type { Condition, Resource } from '../../api/index.js';
import type { Logger } from '../../log.js';
import type { ChangeEvent, Store } from '../../store/types.js';
import { sharedBody, type SharedBody } from '../codec.js';
import type {
  ConditionDeletedMessage,
  ConditionRemovedMessage,
  ConditionSnapshotItem,
  ConditionTransitionMessage,
  RequestId,
} from '../protocol.js';

type Body<M> = Omit<M, 'sub'>;
export type ConditionEventBody =
  | Body<ConditionTransitionMessage>
  | Body<ConditionRemovedMessage>
  | Body<ConditionDeletedMessage>;

/** One change as every subscriber gets it (the same object for all of them). */
export interface ConditionDelivery {
  /** Object uid + condition type: what conflation keeps the latest of. */
  readonly key: string;
  readonly body: ConditionEventBody;
  /** The body, encoded once per encoding. */
  readonly shared: SharedBody;
}

/** One subscription's delivery end (a connection). */
export interface ConditionSubscriber {
  readonly id: RequestId;
  deliver(c: ConditionDelivery): void;
}

interface Subscription {
  readonly sub: ConditionSubscriber;
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  /** Events at or below this revision are already in the snapshot. */
  readonly fromRevision: number;
}

export interface ConditionSubscription {
  readonly resourceVersion: string;
  readonly objects: ConditionSnapshotItem[];
  unsubscribe(): void;
}

export function conditionsOf(obj: Resource | undefined): Condition[] {
  const status = obj?.status as { conditions?: unknown } | undefined;
  const list = status?.conditions;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (c): c is Condition => typeof c === 'object' && c !== null && typeof (c as { type?: unknown }).type === 'string',
  );
}

function sameCondition(a: Condition, b: Condition): boolean {
  return (
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.lastTransitionTime === b.lastTransitionTime &&
    a.observedGeneration === b.observedGeneration
  );
}

function refOf(obj: Resource) {
  return {
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
    uid: obj.metadata.uid,
    generation: obj.metadata.generation,
    resourceVersion: obj.metadata.resourceVersion,
  };
}

/** What changed in the conditions between two versions of an object. */
export function conditionChanges(ev: ChangeEvent): ConditionEventBody[] {
  const ref = refOf(ev.object);
  if (ev.type === 'DELETED') return [{ type: 'deleted', ...ref }];
  const before = conditionsOf(ev.oldObject);
  const after = conditionsOf(ev.object);
  const out: ConditionEventBody[] = [];
  for (const c of after) {
    const old = before.find((o) => o.type === c.type);
    if (!old || !sameCondition(old, c)) out.push({ type: 'condition', ...ref, condition: c });
  }
  for (const o of before) {
    if (!after.some((c) => c.type === o.type)) out.push({ type: 'removed', ...ref, conditionType: o.type });
  }
  return out;
}

function snapshotItem(obj: Resource): ConditionSnapshotItem {
  const { kind, namespace, name, uid, generation, resourceVersion } = refOf(obj);
  return { kind, namespace, name, uid, generation, resourceVersion, conditions: conditionsOf(obj) };
}

export class ConditionHub {
  private readonly byKind = new Map<string, Set<Subscription>>();
  private readonly unsubscribeFeed: () => void;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {
    this.unsubscribeFeed = store.subscribe((ev) => this.onChange(ev));
  }

  get size(): number {
    let n = 0;
    for (const s of this.byKind.values()) n += s.size;
    return n;
  }

  /** Registers a subscription and returns its snapshot (taken in the same turn, so nothing is missed). */
  subscribe(sub: ConditionSubscriber, kind: string, namespace: string | undefined, name: string | undefined): ConditionSubscription {
    const list = this.store.list(kind, { ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}) });
    const s: Subscription = { sub, kind, namespace, name, fromRevision: Number(list.resourceVersion) };
    let set = this.byKind.get(kind);
    if (!set) this.byKind.set(kind, (set = new Set()));
    set.add(s);
    return {
      resourceVersion: list.resourceVersion,
      objects: list.items.map(snapshotItem),
      unsubscribe: () => {
        set.delete(s);
        if (set.size === 0 && this.byKind.get(kind) === set) this.byKind.delete(kind);
      },
    };
  }

  dispose(): void {
    this.unsubscribeFeed();
    this.byKind.clear();
  }

  private onChange(ev: ChangeEvent): void {
    const subs = this.byKind.get(ev.object.kind);
    if (!subs || subs.size === 0) return;
    let changes: ConditionDelivery[] | undefined;
    const ns = ev.object.metadata.namespace ?? '';
    const name = ev.object.metadata.name;
    for (const s of subs) {
      if (ev.revision <= s.fromRevision) continue;
      if (s.namespace !== undefined && s.namespace !== '' && s.namespace !== ns) continue;
      if (s.name !== undefined && s.name !== name) continue;
      changes ??= conditionChanges(ev).map((body) => ({
        body,
        key: body.type === 'condition' ? `${body.uid}\0${body.condition.type}` : body.type === 'removed' ? `${body.uid}\0${body.conditionType}` : `${body.uid}\0#deleted`,
        shared: sharedBody(body),
      }));
      for (const c of changes) {
        try {
          s.sub.deliver(c);
        } catch (e) {
          // One broken subscriber must not stop the others.
          this.log.warn({ err: e, sub: s.sub.id }, 'condition delivery failed');
        }
      }
    }
  }
}
