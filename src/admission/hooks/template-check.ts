// Shared by the template ConfigMap validator and the LimaVM defaulter: the precheck key of a
// template text (a content hash, so the LimaVM's nested ConfigMap create finds the result its
// own precheck stored), the precheck itself, and the merge of spec.params into `param:`.
import { createHash } from 'node:crypto';
import { isMap, parseDocument } from 'yaml';
import type { Prechecks, TemplateValidator } from '../types.js';

export type TemplateCheck = { ok: true } | { ok: false; message: string };

export function templateKey(text: string): string {
  return `template-validation:${createHash('sha256').update(text).digest('hex')}`;
}

/** Validates `text` through Lima unless a result for the same content is already known. */
export async function precheckTemplate(
  validator: TemplateValidator,
  prechecks: Prechecks,
  name: string,
  text: string,
  signal?: AbortSignal,
): Promise<void> {
  const key = templateKey(text);
  if (prechecks.get<TemplateCheck>(key) !== undefined) return;
  prechecks.set(key, await validator.validate(name, text, signal));
}

/**
 * Sets every entry of `params` in the template's top-level `param:` map (creating the map when
 * absent), keeping the rest of the document as written. Without params the text is unchanged.
 */
export function mergeParams(text: string, params: Readonly<Record<string, string>> | undefined): string {
  if (!params || Object.keys(params).length === 0) return text;
  const doc = parseDocument(text);
  const first = doc.errors[0];
  if (first) throw new Error(`the template is not valid YAML: ${first.message}`);
  // An empty document gets a map from doc.set; anything else must already be a map.
  if (doc.contents !== null && !isMap(doc.contents)) throw new Error('the template is not a YAML map');
  const existing: unknown = doc.contents === null ? undefined : doc.get('param', true);
  if (existing === undefined || existing === null) {
    doc.set('param', doc.createNode({ ...params }));
  } else if (isMap(existing)) {
    for (const [k, v] of Object.entries(params)) existing.set(k, v);
  } else {
    throw new Error('"param" in the template is not a map');
  }
  return doc.toString();
}

/** The instance name Lima sees when validating a template ConfigMap (`<vm>-template` → `<vm>`). */
export function validationName(configMapName: string): string {
  return configMapName.endsWith('-template') && configMapName.length > '-template'.length
    ? configMapName.slice(0, -'-template'.length)
    : configMapName;
}
