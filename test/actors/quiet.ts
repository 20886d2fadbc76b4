// "Nothing happens" is checked by waiting until the actor system is quiescent (no mail queued, no
// pipeToSelf in flight, no timer due soon), never by sleeping.
import type { TestCore } from '../helpers/core.js';

interface MaybeQuiescent {
  quiescent?(o: { horizonMs: number }): Promise<void>;
}

export async function quiet(tc: TestCore, horizonMs = 2_000): Promise<void> {
  // TEMPORARY until the kernel's quiescent() is merged (branch gc).
  await (tc.core.kernel as unknown as MaybeQuiescent).quiescent?.({ horizonMs });
}
