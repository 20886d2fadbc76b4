// "Nothing happens" is checked by waiting until the actor system is quiescent (no mail queued, no
// pipeToSelf in flight, no timer due soon), never by sleeping.
import type { TestCore } from '../helpers/core.js';

/** Resolves once no actor will do anything within `horizonMs`. */
export function quiet(tc: TestCore, horizonMs = 2_000): Promise<void> {
  return tc.core.kernel.quiescent({ horizonMs, timeoutMs: 30_000 });
}
