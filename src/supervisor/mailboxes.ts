// The one place that touches nact. nact gives each mailbox a FIFO queue, runs one message at a
// time per actor (awaiting async handlers) and yields to the event loop between messages; that is
// all we take from it. Only start/spawn/dispatch/stop are used: nact's supervision, query,
// stateless actors, shutdownAfter and logging have verified bugs
// (docs/actors.md#nact-what-the-kernel-uses-and-what-it-avoids).
// Every mailbox is a direct child of the system, so nact's broken stop cascade never matters.
import nact from 'nact';

/**
 * A mailbox and its accounting, so quiescence can be read without asking nact. A class, so the
 * type is nominal: nact's own Ref type is structurally empty (any Ref passes for any other).
 * Only this file reads its fields; everybody else just holds it.
 */
class Box {
  /** Messages posted and not yet handed to the handler. */
  queued = 0;
  closed = false;
  constructor(readonly ref: nact.Ref<unknown>) {}
}

export type MailboxRef = Box;

/** Handles one message for `owner`; must never throw or reject, and resolves to `owner`. */
export type MailboxHandler<O> = (owner: O, msg: unknown) => O | Promise<O>;

export class Mailboxes<O> {
  private readonly system = nact.start();
  /** Mailboxes whose close is pending behind queued mail (swept at shutdown). */
  private readonly closing = new Set<MailboxRef>();
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
    const run = (self: O, m: unknown): O | Promise<O> => {
      if (!box.closed) {
        box.queued--;
        this.queued--;
      }
      this.running++;
      let r: O | Promise<O>;
      try {
        r = this.handler(self, m);
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
    // `run` reads `box` only when a message arrives, after the spawn below has returned.
    const box: Box = new Box(
      nact.spawn(this.system, run, `m${++this.seq}`, {
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
      }),
    );
    return box;
  }

  /** The owner is done with it: it will be closed once what is queued ahead has been handled. */
  closeSoon(box: MailboxRef): void {
    this.closing.add(box);
  }

  /** Enqueues; a message to a closed mailbox is dropped (the kernel dead-letters before that). */
  post(box: MailboxRef, msg: unknown): void {
    if (box.closed) return;
    box.queued++;
    this.queued++;
    nact.dispatch(box.ref, msg);
  }

  /** Discards what is still queued; the in-flight message (if any) runs to completion. Idempotent (so is nact's stop). */
  close(box: MailboxRef): void {
    this.closing.delete(box);
    if (!box.closed) {
      // nact drops what is queued (even a message already scheduled): it will never be handled.
      this.queued -= box.queued;
      box.queued = 0;
      box.closed = true;
    }
    nact.stop(box.ref);
  }

  /** Closes every mailbox, then the nact system (removing it from nact's process-global map). */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const box of [...this.closing]) this.close(box);
    nact.stop(this.system);
  }
}
