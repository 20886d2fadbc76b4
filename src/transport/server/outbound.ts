// Outbound flow control for one connection. Below `conflateAboveBytes` of buffered output,
// everything is sent at once. Above it, stream events are held in a map keyed per object: a newer
// event replaces the held one in place (latest wins, first-appearance order kept), and the map is
// flushed as the socket drains. A consumer that stays congested past `stallMs`, buffers more than
// `closeAboveBytes`, or piles up more than `maxPendingEvents` distinct events is overloaded: the
// connection is closed with 1013 and the client resumes from its last resourceVersion.
import type { Frame } from '../codec.js';

/** What Outbound needs from a socket (a ws WebSocket satisfies it). */
export interface Sink {
  readonly bufferedAmount: number;
  /** False once the socket is closing or closed: nothing more is sent. */
  isOpen(): boolean;
  send(frame: Frame): void;
}

export interface OutboundLimits {
  readonly conflateAboveBytes: number;
  readonly closeAboveBytes: number;
  readonly stallMs: number;
  readonly maxPendingEvents: number;
}

/**
 * A stream event that may be held back. Everything is lazy: on the direct path only `frame` (or
 * `msg` when there is no frame) is used, so fan-out to many sockets allocates next to nothing.
 */
export interface OutEvent<M extends object = object> {
  /** Identifies the object within its stream, for conflation; null = never merged. */
  key(): string | null;
  msg(): M;
  /** A ready frame (a shared fan-out encoding); without it `msg()` is encoded. */
  frame?(): Frame;
  /** Combines a held event with a newer one for the same key (default: the newer wins). */
  merge?(older: M, newer: M): M;
}

export interface OutboundHooks {
  encode(msg: object): Frame;
  /** Called once when the consumer is overloaded; the owner closes the connection with 1013. */
  onOverload(reason: string): void;
  /** Called when held events have all been sent (the owner may emit sync bookmarks). */
  onDrained?(): void;
  now?(): number;
}

interface Held {
  msg: object;
}

export class Outbound {
  private readonly held = new Map<string, Held>();
  private readonly waiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastBuffered = 0;
  private lastProgressAt = 0;
  private uniqueSeq = 0;
  private dead = false;
  /** Counters for stats and tests. */
  readonly counters = { sent: 0, held: 0, merged: 0, flushed: 0 };

  constructor(
    private readonly sink: Sink,
    private readonly limits: OutboundLimits,
    private readonly hooks: OutboundHooks,
    private readonly pollMs = Math.max(5, Math.min(50, Math.floor(limits.stallMs / 10))),
  ) {}

  get congested(): boolean {
    return this.held.size > 0;
  }

  get pendingEvents(): number {
    return this.held.size;
  }

  /** Responses and other frames that are never conflated. A single large frame is allowed. */
  sendNow(frame: Frame): void {
    if (this.dead || !this.sink.isOpen()) return;
    if (this.sink.bufferedAmount > this.limits.closeAboveBytes) {
      this.overload(`outbound buffer above ${this.limits.closeAboveBytes} bytes`);
      return;
    }
    this.sink.send(frame);
    this.counters.sent++;
  }

  /**
   * A stream event. Events with the same key replace each other while held (a null key is never
   * merged but still keeps its place in line).
   */
  sendEvent<M extends object>(ev: OutEvent<M>): void {
    if (this.dead || !this.sink.isOpen()) return;
    if (!this.congested && this.sink.bufferedAmount < this.limits.conflateAboveBytes) {
      this.sink.send(ev.frame ? ev.frame() : this.hooks.encode(ev.msg()));
      this.counters.sent++;
      return;
    }
    const k = ev.key() ?? `\0unique:${this.uniqueSeq++}`;
    const prev = this.held.get(k);
    if (prev) {
      prev.msg = ev.merge ? ev.merge(prev.msg as M, ev.msg()) : ev.msg();
      this.counters.merged++;
    } else {
      if (!this.congested) this.startCongestion();
      this.held.set(k, { msg: ev.msg() });
      this.counters.held++;
      if (this.held.size > this.limits.maxPendingEvents) {
        this.overload(`more than ${this.limits.maxPendingEvents} distinct events held for a slow consumer`);
        return;
      }
    }
    this.flush();
  }

  /** Like sendEvent, but a held event with the same key moves to the end of the line (sync points such as bookmarks). */
  sendEventLast<M extends object>(ev: OutEvent<M>): void {
    const key = ev.key();
    if (this.congested && key !== null) this.held.delete(key);
    this.sendEvent(ev);
  }

  /** Resolves when the buffer is below the conflation threshold (pull-based streams wait on it). */
  writable(): Promise<void> {
    if (this.dead || (!this.congested && this.sink.bufferedAmount < this.limits.conflateAboveBytes)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.ensureTimer();
    });
  }

  /** Stops timers and drops held events (the connection is going away). */
  dispose(): void {
    this.dead = true;
    this.held.clear();
    this.stopTimer();
    for (const w of this.waiters.splice(0)) w();
  }

  private startCongestion(): void {
    this.lastBuffered = this.sink.bufferedAmount;
    this.lastProgressAt = this.now();
    this.ensureTimer();
  }

  private ensureTimer(): void {
    if (this.timer || this.dead) return;
    this.timer = setInterval(() => this.tick(), this.pollMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (this.dead) return this.stopTimer();
    if (!this.sink.isOpen()) return this.dispose();
    const buffered = this.sink.bufferedAmount;
    if (buffered > this.limits.closeAboveBytes) {
      return this.overload(`outbound buffer above ${this.limits.closeAboveBytes} bytes`);
    }
    const now = this.now();
    if (buffered < this.lastBuffered || buffered < this.limits.conflateAboveBytes) this.lastProgressAt = now;
    this.lastBuffered = buffered;
    if (this.congested && now - this.lastProgressAt > this.limits.stallMs) {
      return this.overload(`no progress for ${this.limits.stallMs} ms`);
    }
    this.flush();
    if (buffered < this.limits.conflateAboveBytes && !this.congested) {
      for (const w of this.waiters.splice(0)) w();
    }
    if (!this.congested && this.waiters.length === 0) this.stopTimer();
  }

  private flush(): void {
    if (!this.congested) return;
    // Refill only down to half the threshold so flushing does not flap at the boundary.
    const low = this.limits.conflateAboveBytes / 2;
    while (this.held.size > 0 && this.sink.bufferedAmount < low && this.sink.isOpen() && !this.dead) {
      const [key, entry] = this.held.entries().next().value as [string, Held];
      this.held.delete(key);
      this.sink.send(this.hooks.encode({ ...entry.msg, conflated: true }));
      this.counters.sent++;
      this.counters.flushed++;
    }
    if (this.held.size === 0 && !this.dead) {
      this.hooks.onDrained?.();
    }
  }

  private overload(reason: string): void {
    if (this.dead) return;
    this.dispose();
    this.hooks.onOverload(reason);
  }

  private now(): number {
    return this.hooks.now ? this.hooks.now() : Date.now();
  }
}
