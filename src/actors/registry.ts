// Which actor owns which object (by uid), and coalesced "your object changed" notifications:
// while a notification is queued for an actor, further changes add nothing to its mailbox.
import type { ActorRef } from '../supervisor/types.js';

export interface Notice {
  readonly t: 'changed';
}

interface Entry<M> {
  readonly ref: ActorRef<M>;
  /** The actor's own "changed" message. */
  readonly notice: M;
  pending: boolean;
}

/** What the router and the supervisors need of a registry, whatever its actors' message type. */
export interface RegistryView {
  has(uid: string): boolean;
  get(uid: string): ActorRef<never> | undefined;
  notify(uid: string): boolean;
  uids(): string[];
}

/** M is the actors' message type; it includes their Notice. */
export class ActorRegistry<M = Notice> implements RegistryView {
  private readonly byUid = new Map<string, Entry<M>>();

  /** `notice` is the actor's "your object changed" message (`{ t: 'changed' }` in its own type). */
  register(uid: string, ref: ActorRef<M>, notice: M): void {
    this.byUid.set(uid, { ref, notice, pending: false });
  }

  unregister(uid: string, ref?: ActorRef<M>): void {
    const e = this.byUid.get(uid);
    if (e && (!ref || e.ref === ref)) this.byUid.delete(uid);
  }

  has(uid: string): boolean {
    return this.byUid.has(uid);
  }

  get(uid: string): ActorRef<M> | undefined {
    return this.byUid.get(uid)?.ref;
  }

  /** Tells the actor of `uid` that its object changed; false if no actor is registered. */
  notify(uid: string): boolean {
    const e = this.byUid.get(uid);
    if (!e) return false;
    if (!e.pending) {
      e.pending = true;
      e.ref.tell(e.notice);
    }
    return true;
  }

  /** Called by the actor when it takes the notification, before it reads the store. */
  taken(uid: string): void {
    const e = this.byUid.get(uid);
    if (e) e.pending = false;
  }

  uids(): string[] {
    return [...this.byUid.keys()];
  }

  refs(): Array<ActorRef<M>> {
    return [...this.byUid.values()].map((e) => e.ref);
  }
}
