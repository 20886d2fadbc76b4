// What the page knows, fed by two streams: watches (the objects: spec, restartCount, deletion)
// and the condition stream (conditions and their transitions, kept as a per-object timeline).
import type { Condition, Resource } from '../../api/index.js';
import type { ConditionUpdate } from '../../transport/client/conditions.js';

export interface Transition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly at: string;
}

export interface Entry {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  object: Resource | undefined;
  /** By type, in the order first seen. */
  readonly conditions: Map<string, Condition>;
  readonly timeline: Transition[];
}

/** Timelines keep the newest transitions; older ones are dropped. */
const TIMELINE_MAX = 200;

export const keyOf = (kind: string, namespace: string | undefined, name: string): string => `${kind}/${namespace ?? ''}/${name}`;

export class Model {
  readonly entries = new Map<string, Entry>();

  entry(kind: string, namespace: string | undefined, name: string): Entry {
    const key = keyOf(kind, namespace, name);
    let e = this.entries.get(key);
    if (!e) {
      e = { kind, namespace: namespace ?? '', name, object: undefined, conditions: new Map(), timeline: [] };
      this.entries.set(key, e);
    }
    return e;
  }

  /** A watch event. Returns the entry's key; a deleted object's entry is removed. */
  applyObject(type: string, o: Resource): string {
    const key = keyOf(o.kind, o.metadata.namespace, o.metadata.name);
    if (type === 'DELETED') {
      this.entries.delete(key);
      return key;
    }
    const e = this.entry(o.kind, o.metadata.namespace, o.metadata.name);
    e.object = o;
    return key;
  }

  /** A condition stream update. Returns the keys whose conditions changed. */
  applyConditions(u: ConditionUpdate): string[] {
    if (u.type === 'snapshot') {
      const keys: string[] = [];
      for (const o of u.objects) {
        const e = this.entry(o.kind, o.namespace, o.name);
        const before = new Map(e.conditions);
        e.conditions.clear();
        for (const c of o.conditions) {
          e.conditions.set(c.type, c);
          // A first snapshot seeds the timeline; after a reconnect only what changed meanwhile is added.
          const old = before.get(c.type);
          if (!old || old.status !== c.status || old.reason !== c.reason) record(e, c);
        }
        keys.push(keyOf(o.kind, o.namespace, o.name));
      }
      return keys;
    }
    const key = keyOf(u.kind, u.namespace, u.name);
    if (u.type === 'deleted') {
      const e = this.entries.get(key);
      e?.conditions.clear();
      return [key];
    }
    const e = this.entry(u.kind, u.namespace, u.name);
    if (u.type === 'removed') {
      e.conditions.delete(u.conditionType);
      return [key];
    }
    const old = e.conditions.get(u.condition.type);
    e.conditions.set(u.condition.type, u.condition);
    if (!old || old.status !== u.condition.status || old.reason !== u.condition.reason) record(e, u.condition);
    return [key];
  }

  ofKind(kind: string): Entry[] {
    return [...this.entries.values()].filter((e) => e.kind === kind).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  }
}

function record(e: Entry, c: Condition): void {
  e.timeline.push({ type: c.type, status: c.status, reason: c.reason, message: c.message, at: c.lastTransitionTime });
  if (e.timeline.length > TIMELINE_MAX) e.timeline.splice(0, e.timeline.length - TIMELINE_MAX);
}
