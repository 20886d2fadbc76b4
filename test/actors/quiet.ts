// "Nothing happens" is checked by letting every timer within the horizon run and the actor system
// settle (no mail queued, no handler running), never by sleeping: in memory the clock is moved,
// on the simulator the kernel's quiescent() is awaited.
import type { TestCore } from '../helpers/core.js';

/** Resolves once no actor will do anything within `horizonMs`. */
export function quiet(tc: TestCore, horizonMs = 2_000): Promise<void> {
  return tc.quiet(horizonMs);
}
