// Lima's verdicts on templates, remembered by (instance name, text): `limactl validate` of the same
// text gives the same answer from the same binary, and every App edit (even `rdd stop`) renders
// and validates the App's template again, a ~60 ms process each time. Only verdicts are kept;
// a validate that failed to run (timeout, cancel, root refused) is asked again next time.

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** A small LRU: the daemon validates a handful of distinct templates, so 64 is plenty. */
export class VerdictCache {
  private readonly entries = new Map<string, Verdict>();

  constructor(private readonly capacity = 64) {}

  async get(name: string, text: string, ask: () => Promise<Verdict>): Promise<Verdict> {
    const key = `${name}\0${text}`;
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Refresh its place: a Map iterates in insertion order, so the first key is the least recent.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const verdict = await ask();
    this.entries.set(key, verdict);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return verdict;
  }
}
