// The change feed: committed events to in-process listeners, in revision order.
// Delivery is a queue drained by whoever published first. A listener that writes to the store
// commits a new transaction whose events are appended to the queue and delivered after the
// current event has reached every listener, so nobody sees events out of order or re-entrantly.
import type { Logger } from '../log.js';
import type { ChangeEvent } from './types.js';

interface Entry {
  readonly fn: (ev: ChangeEvent) => void;
  active: boolean;
}

export class Feed {
  /** Replaced (never mutated) on (un)subscribe, so a drain iterates a stable snapshot. */
  private entries: readonly Entry[] = [];
  private queue: ChangeEvent[] = [];
  private draining = false;

  constructor(private readonly log: Logger) {}

  subscribe(fn: (ev: ChangeEvent) => void): () => void {
    const entry: Entry = { fn, active: true };
    this.entries = [...this.entries, entry];
    return () => {
      if (!entry.active) return;
      entry.active = false;
      this.entries = this.entries.filter((e) => e !== entry);
    };
  }

  get size(): number {
    return this.entries.length;
  }

  /** Queues committed events (already in revision order) and delivers them unless a drain is running. */
  publish(events: readonly ChangeEvent[]): void {
    if (events.length === 0) return;
    for (const ev of events) this.queue.push(ev);
    if (this.draining) return;
    this.draining = true;
    try {
      // Indexed, not for…of: listeners' commits append to the queue while it drains.
      for (let i = 0, ev = this.queue[0]; ev !== undefined; ev = this.queue[++i]) {
        for (const entry of this.entries) {
          if (!entry.active) continue;
          try {
            entry.fn(ev);
          } catch (err) {
            this.log.error({ err, revision: ev.revision, kind: ev.object.kind, name: ev.object.metadata.name }, 'change listener threw');
          }
        }
      }
    } finally {
      this.queue = [];
      this.draining = false;
    }
  }
}
