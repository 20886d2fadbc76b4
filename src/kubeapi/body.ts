// Request bodies: read with a size bound (the gateway's maxPayload), parsed as JSON or YAML by
// Content-Type, and checked for shape. Nothing here throws anything but an ApiError.
import type { IncomingMessage } from 'node:http';
import { parseDocument } from 'yaml';
import { errors } from '../api/index.js';

/** Reads the whole body; more than `max` bytes is 413 before the rest is read. */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      reject(errors.tooLarge(`the request body is ${declared} bytes, over the ${max}-byte limit`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > max) {
        failed = true;
        reject(errors.tooLarge(`the request body is over the ${max}-byte limit`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(errors.badRequest(`cannot read the request body: ${e.message}`));
      failed = true;
    });
  });
}

export function mediaType(contentType: string | undefined): string {
  const [type = ''] = (contentType ?? '').split(';', 1);
  return type.trim().toLowerCase();
}

/** JSON nesting beyond this is refused, as the gateway does (a parser's recursion is not a limit). */
const MAX_DEPTH = 64;

function checkValue(v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw errors.badRequest(`the request body nests deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(v)) for (const x of v) checkValue(x, depth + 1);
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (k === '__proto__') throw errors.badRequest('the request body contains a "__proto__" key');
      checkValue(x, depth + 1);
    }
  } else if (typeof v === 'number' && !Number.isFinite(v)) throw errors.badRequest('the request body contains a non-finite number');
}

/** Parses JSON (or YAML for `application/yaml` and apply patches) into a plain value. */
export function parseBody(buf: Buffer, type: string): unknown {
  const text = buf.toString('utf8');
  if (text.trim() === '') throw errors.badRequest('the request body is empty');
  let v: unknown;
  if (type === 'application/yaml' || type === 'application/apply-patch+yaml') {
    const doc = parseDocument(text, { uniqueKeys: true });
    try {
      const [yamlError] = doc.errors;
      if (yamlError) throw yamlError;
      // The parser accepts an alias to no anchor, and too many aliases; building the value throws.
      v = doc.toJS({ maxAliasCount: 100 }) as unknown;
    } catch (e) {
      throw errors.badRequest(`the request body is not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else {
    try {
      v = JSON.parse(text) as unknown;
    } catch (e) {
      throw errors.badRequest(`the request body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  checkValue(v, 0);
  return v;
}

export function requireObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw errors.badRequest(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}
