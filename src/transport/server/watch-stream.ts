// The `watch` operation: a store watch bridged onto the connection. Events are keyed per object
// (uid) so a slow consumer gets the latest state of each object instead of every step.
import { isExpired, toApiError, type KindInfo } from '../../api/index.js';
import type { WatchEvent, WatchHandle } from '../../store/types.js';
import type { WatchErrorMessage, WatchEventMessage, WatchRequest } from '../protocol.js';
import { streamKey, type ConnectionPort, type GatewayContext, type Outcome, type Stream } from './context.js';

/** ADDED then MODIFIED while held is still an ADDED for the consumer (it has not seen the object). */
function mergeWatch(older: WatchEventMessage, newer: WatchEventMessage): WatchEventMessage {
  return older.type === 'ADDED' && newer.type === 'MODIFIED' ? { ...newer, type: 'ADDED' } : newer;
}

export function startWatch(ctx: GatewayContext, conn: ConnectionPort, req: WatchRequest, kind: KindInfo): Outcome {
  const id = req.id;
  const sk = streamKey(id);
  let live = false;
  const early: WatchEvent[] = [];
  let handle: WatchHandle | undefined;

  const deliver = (ev: WatchEvent): void => {
    const msg: WatchEventMessage = { watch: id, ...ev };
    if (ev.type === 'BOOKMARK') {
      conn.sendEventLast({ key: () => `${sk}\0#bookmark`, msg: () => msg });
    } else {
      conn.sendEvent({ key: () => `${sk}\0${ev.object.metadata.uid}`, msg: () => msg, merge: mergeWatch });
    }
  };

  // Periodic bookmarks keep a quiet watch's resume point current; the timer never holds the process.
  const bookmarks = req.bookmarks
    ? setInterval(() => {
        if (handle && !handle.closed) handle.bookmark();
      }, ctx.limits.bookmarkMs)
    : undefined;
  bookmarks?.unref();

  const stream: Stream = {
    type: 'watch',
    stop: () => {
      clearInterval(bookmarks);
      handle?.close();
    },
    // After a congested spell, a bookmark tells the client its resume point is safe again.
    onDrained: () => {
      if (req.bookmarks && handle && !handle.closed) handle.bookmark();
    },
  };

  const endWithError = (e: unknown): void => {
    const msg: WatchErrorMessage = { watch: id, type: 'ERROR', object: toApiError(e).toStatus() };
    conn.sendEvent({ key: () => null, msg: () => msg });
    conn.removeStream(id, stream);
  };

  try {
    handle = ctx.store.watch(
      {
        kind: kind.kind,
        ...(kind.namespaced && req.namespace ? { namespace: req.namespace } : {}),
        ...(req.name !== undefined ? { name: req.name } : {}),
        ...(req.labelSelector !== undefined ? { labelSelector: req.labelSelector } : {}),
        ...(req.resourceVersion !== undefined ? { resourceVersion: req.resourceVersion } : {}),
        ...(req.bookmarks !== undefined ? { bookmarks: req.bookmarks } : {}),
      },
      (ev) => {
        if (!live) early.push(ev);
        else deliver(ev);
      },
    );
  } catch (e) {
    // Too old a resourceVersion is part of the watch protocol: an ERROR event, not a failed request.
    clearInterval(bookmarks);
    if (!isExpired(e)) throw e;
    return { result: { stream: id }, after: () => endWithError(e) };
  }
  conn.addStream(id, stream);
  return {
    result: { stream: id },
    after: () => {
      live = true;
      for (const ev of early.splice(0)) deliver(ev);
    },
  };
}
