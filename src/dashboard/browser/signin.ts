// Sign-in: the one-time login code arrives in the URL fragment (never sent to a server, never in a
// Referer). It is taken out of the address bar at once, then traded over the WebSocket for a
// session, which stays in this tab's sessionStorage so a reload or a reconnect needs no new code.
const SESSION_KEY = 'rdd.session';

export type Credential = { readonly kind: 'code' | 'session'; readonly value: string };

/** Reads and removes `#code=…`; falls back to this tab's session. */
export function takeCredential(): Credential | undefined {
  const m = /(?:^#|&)code=([^&]+)/.exec(location.hash);
  if (location.hash) history.replaceState(null, '', `${location.pathname}${location.search}`);
  if (m?.[1]) return { kind: 'code', value: decodeURIComponent(m[1]) };
  const s = sessionStorage.getItem(SESSION_KEY);
  return s ? { kind: 'session', value: s } : undefined;
}

export function keepSession(session: string): void {
  sessionStorage.setItem(SESSION_KEY, session);
}

export function dropSession(): void {
  sessionStorage.removeItem(SESSION_KEY);
}

/** Whether the daemon answers plain HTTP here: tells "sign-in refused" from "daemon down". */
export async function daemonAnswers(): Promise<boolean> {
  try {
    const r = await fetch('/', { method: 'HEAD', cache: 'no-store' });
    return r.ok;
  } catch {
    return false;
  }
}

export const NEW_LINK_HINT = 'Run "rdd dashboard" in a terminal for a new sign-in link.';
