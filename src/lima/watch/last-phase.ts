// Where the current hostagent run is, from its whole event stream: what an adopting actor starts
// from, so replaying old events never shows a running VM as "starting" again. Pure.
import type { LastHostagentPhase } from '../types.js';
import { nextPhase, parseStatusLine, type Phase } from './events.js';

/** The phase after the last event of `text` (the contents of ha.stdout.log). */
export function lastPhaseOf(text: string): LastHostagentPhase {
  let phase: Phase = 'none';
  let errors: readonly string[] = [];
  for (const line of text.split('\n')) {
    const parsed = parseStatusLine(line);
    if (!parsed) continue;
    const next = nextPhase(phase, parsed);
    phase = next.phase;
    if (next.event?.type === 'running') errors = next.event.degraded ? next.event.errors : [];
  }
  switch (phase) {
    case 'none':
      return { phase: 'unknown', errors: [] };
    case 'starting':
      return { phase: 'starting', errors: [] };
    case 'running':
    case 'degraded':
      return { phase: 'running', errors };
    case 'exiting':
      return { phase: 'exited', errors: [] };
  }
}
