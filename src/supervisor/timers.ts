// Keyed timers of one incarnation (ctx.timers). They know nothing of cells or mailboxes: a tick is
// handed to `deliver`, which posts it through the actor's mailbox tagged with its incarnation, and
// `live` turning false (the incarnation ended) stops new timers from being armed.
import { clampMs } from './clock.js';
import type { Clock, Timers } from './types.js';

interface TimerEntry {
  handle: unknown;
}

export class KeyedTimers implements Timers<unknown> {
  private readonly entries = new Map<string, TimerEntry>();

  constructor(
    private readonly clock: Clock,
    private readonly live: () => boolean,
    private readonly deliver: (msg: unknown) => void,
  ) {}

  once(key: string, msg: unknown, ms: number): void {
    this.arm(key, msg, clampMs(ms), false);
  }
  every(key: string, msg: unknown, ms: number): void {
    // At least 1 ms, so a zero period cannot spin (Node does the same).
    this.arm(key, msg, Math.max(1, clampMs(ms)), true);
  }
  cancel(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.clock.clearTimeout(e.handle);
    this.entries.delete(key);
  }
  isActive(key: string): boolean {
    return this.entries.has(key);
  }
  cancelAll(): void {
    for (const e of this.entries.values()) this.clock.clearTimeout(e.handle);
    this.entries.clear();
  }

  private arm(key: string, msg: unknown, ms: number, repeat: boolean): void {
    this.cancel(key);
    if (!this.live()) return;
    const clock = this.clock;
    const entry: TimerEntry = { handle: undefined };
    const fire = () => {
      if (this.entries.get(key) !== entry) return;
      if (repeat) entry.handle = clock.setTimeout(fire, ms);
      else this.entries.delete(key);
      this.deliver(msg);
    };
    entry.handle = clock.setTimeout(fire, ms);
    this.entries.set(key, entry);
  }
}
