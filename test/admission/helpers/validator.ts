// A small in-test TemplateValidator standing in for `limactl validate`: the template must be a
// YAML map with a non-empty `images` list. It records calls and can hold every call on a gate,
// so tests can interleave requests while prechecks are in flight.
import { parse } from 'yaml';
import type { TemplateValidator } from '../../../src/admission/index.js';

export class FakeTemplateValidator implements TemplateValidator {
  readonly calls: Array<{ name: string; template: string }> = [];
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  /** Reject every template from now on (to prove a write did not re-validate). */
  rejectAll = false;

  /** Makes every following validate() wait until release(). */
  hold(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async validate(name: string, template: string): Promise<{ ok: true } | { ok: false; message: string }> {
    this.calls.push({ name, template });
    if (this.gate) await this.gate;
    if (this.rejectAll) return { ok: false, message: 'validator rejects everything now' };
    let doc: unknown;
    try {
      doc = parse(template);
    } catch (e) {
      return { ok: false, message: `failed to parse template: ${(e as Error).message}` };
    }
    const images = (doc as { images?: unknown } | null)?.images;
    if (!Array.isArray(images) || images.length === 0) return { ok: false, message: 'field `images` must be set' };
    return { ok: true };
  }
}

/** Polls `cond` every few milliseconds until it holds; fails after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}
