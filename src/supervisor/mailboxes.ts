// The one place that touches nact. nact gives each mailbox a FIFO queue, runs one message at a
// time per actor (awaiting async handlers) and yields to the event loop between messages; that is
// all we take from it. Only start/spawn/dispatch/stop are used: nact's supervision, query,
// stateless actors, shutdownAfter and logging have verified bugs (docs/actors.md, "nact").
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

export class Mailboxes<O> {
  private readonly system = api.start();
  /** Mailboxes whose close is pending behind queued mail (swept at shutdown); live ones are not tracked. */
  private readonly closing = new Set<MailboxRef>();
  private seq = 0;
  private closed = false;

  constructor(
    private readonly handler: MailboxHandler<O>,
    /** Called if the handler ever throws (a kernel bug): the mailbox resumes with the next message. */
    private readonly onFault: (err: unknown) => void,
  ) {}

  /** A new mailbox whose messages go to handler(owner, msg), one at a time, in order. */
  create(owner: O): MailboxRef {
    const onFault = this.onFault;
    const ref = api.spawn(this.system, this.handler as (s: unknown, m: unknown) => unknown, `m${++this.seq}`, {
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
    return ref;
  }

  /** The owner is done with it: it will be closed once what is queued ahead has been handled. */
  closeSoon(ref: MailboxRef): void {
    this.closing.add(ref);
  }

  /** Enqueues; a message to a closed mailbox is dropped (the kernel dead-letters before that). */
  post(ref: MailboxRef, msg: unknown): void {
    api.dispatch(ref, msg);
  }

  /** Discards what is still queued; the in-flight message (if any) runs to completion. Idempotent (so is nact's stop). */
  close(ref: MailboxRef): void {
    this.closing.delete(ref);
    api.stop(ref);
  }

  /** Closes every mailbox, then the nact system (removing it from nact's process-global map). */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ref of this.closing) this.close(ref);
    api.stop(this.system);
  }
}
