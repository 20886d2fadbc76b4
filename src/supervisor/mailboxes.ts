// The one place that touches nact. nact gives each mailbox a FIFO queue, runs one message at a
// time per actor (awaiting async handlers) and yields to the event loop between messages; that is
// all we take from it. Only start/spawn/dispatch/stop are used: nact's supervision, query,
// stateless actors, shutdownAfter and logging have verified bugs
// (docs/actors.md#nact-what-the-kernel-uses-and-what-it-avoids).
// Every mailbox is a direct child of the system, so nact's broken stop cascade never matters.
import nact from 'nact';

/** An opaque nact reference (a plain object nact resolves by path on each dispatch). */
export type MailboxRef = { readonly __mailbox: unique symbol };

interface NactCtx {
  readonly resume: unknown;
}

/** The subset of nact we use, typed narrowly (nact's own typings accept any Ref for any Ref). */
interface NactApi {
  start(): MailboxRef;
  spawn(
    parent: MailboxRef,
    f: (state: unknown, msg: unknown) => unknown,
    name: string,
    props: { initialState: unknown; onCrash: (msg: unknown, err: unknown, ctx: NactCtx) => unknown },
  ): MailboxRef;
  dispatch(ref: MailboxRef, msg: unknown): void;
  stop(ref: MailboxRef): void;
}

const api = nact as unknown as NactApi;

/** Handles one message for `owner`; must never throw or reject, and resolves to `owner`. */
export type MailboxHandler<O> = (owner: O, msg: unknown) => O | Promise<O>;

/** Per-mailbox accounting, so quiescence can be read without asking nact. */
interface BoxStat {
  queued: number;
  closed: boolean;
}

export class Mailboxes<O> {
  private readonly system = api.start();
  /** Mailboxes whose close is pending behind queued mail (swept at shutdown). */
  private readonly closing = new Set<MailboxRef>();
  private readonly stats = new Map<MailboxRef, BoxStat>();
  private seq = 0;
  private closed = false;
  /** Messages posted to open mailboxes and not yet handed to their handler. */
  queued = 0;
  /** Handlers running now (an async one counts until it settles). */
  running = 0;

  constructor(
    private readonly handler: MailboxHandler<O>,
    /** Called if the handler ever throws (a kernel bug): the mailbox resumes with the next message. */
    private readonly onFault: (err: unknown) => void,
  ) {}

  /** A new mailbox whose messages go to handler(owner, msg), one at a time, in order. */
  create(owner: O): MailboxRef {
    const onFault = this.onFault;
    const stat: BoxStat = { queued: 0, closed: false };
    const run = (s: unknown, m: unknown): unknown => {
      if (!stat.closed) {
        stat.queued--;
        this.queued--;
      }
      this.running++;
      let r: O | Promise<O>;
      try {
        r = this.handler(s as O, m);
      } catch (err) {
        this.running--;
        throw err;
      }
      if (!(r instanceof Promise)) {
        this.running--;
        return r;
      }
      const done = () => {
        this.running--;
      };
      r.then(done, done);
      return r;
    };
    const ref = api.spawn(this.system, run, `m${++this.seq}`, {
      // nact passes its state as the handler's first argument: the owner is that state, and the
      // handler always returns it, so nact's state never changes.
      initialState: owner,
      // Never throws (a throwing onCrash kills the process under nact 7.6.2).
      onCrash: (_msg, err, ctx) => {
        try {
          onFault(err);
        } catch {
          // nothing more to do: the fault has nowhere else to go
        }
        return ctx.resume;
      },
    });
    this.stats.set(ref, stat);
    return ref;
  }

  /** The owner is done with it: it will be closed once what is queued ahead has been handled. */
  closeSoon(ref: MailboxRef): void {
    this.closing.add(ref);
  }

  /** Enqueues; a message to a closed mailbox is dropped (the kernel dead-letters before that). */
  post(ref: MailboxRef, msg: unknown): void {
    const stat = this.stats.get(ref);
    if (stat !== undefined) {
      stat.queued++;
      this.queued++;
    }
    api.dispatch(ref, msg);
  }

  /** Discards what is still queued; the in-flight message (if any) runs to completion. Idempotent (so is nact's stop). */
  close(ref: MailboxRef): void {
    this.closing.delete(ref);
    const stat = this.stats.get(ref);
    if (stat !== undefined) {
      // nact drops what is queued (even a message already scheduled): it will never be handled.
      this.queued -= stat.queued;
      stat.queued = 0;
      stat.closed = true;
      this.stats.delete(ref);
    }
    api.stop(ref);
  }

  /** Closes every mailbox, then the nact system (removing it from nact's process-global map). */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ref of [...this.closing]) this.close(ref);
    api.stop(this.system);
  }
}
