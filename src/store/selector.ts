// Label selectors (Kubernetes syntax; docs/store.md, "Watch"): `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`,
// `k`, `!k`, joined by commas (AND). `!=` and `notin` also match objects without the key.
import { errors, type ApiError } from '../api/index.js';
import { labelValueErrors, qualifiedNameErrors } from './labels.js';

export type Requirement =
  | { readonly op: 'exists' | '!exists'; readonly key: string }
  | { readonly op: '=' | '!='; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: ReadonlySet<string> };

export interface Selector {
  readonly requirements: readonly Requirement[];
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
}

type Token = { kind: 'ident'; text: string } | { kind: ',' | '(' | ')' | '!' | '=' | '!=' | 'end' };

const SPECIAL = new Set([' ', '\t', '\n', ',', '(', ')', '=', '!']);

function tokenize(s: string, fail: (why: string) => ApiError): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n') i++;
    else if (c === ',' || c === '(' || c === ')') {
      out.push({ kind: c });
      i++;
    } else if (c === '!') {
      if (s[i + 1] === '=') {
        out.push({ kind: '!=' });
        i += 2;
      } else {
        out.push({ kind: '!' });
        i++;
      }
    } else if (c === '=') {
      out.push({ kind: '=' });
      i += s[i + 1] === '=' ? 2 : 1;
    } else {
      let j = i;
      while (j < s.length && !SPECIAL.has(s[j]!)) j++;
      const text = s.slice(i, j);
      if (text.includes('<') || text.includes('>')) throw fail(`unsupported operator in "${text}"`);
      out.push({ kind: 'ident', text });
      i = j;
    }
  }
  out.push({ kind: 'end' });
  return out;
}

function matchOne(r: Requirement, labels: Readonly<Record<string, string>> | undefined): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.op) {
    case 'exists':
      return has;
    case '!exists':
      return !has;
    case '=':
      return v === r.value;
    case '!=':
      return v !== r.value;
    case 'in':
      return v !== undefined && r.values.has(v);
    case 'notin':
      return v === undefined || !r.values.has(v);
  }
}

/** Parses a selector; throws 400 BadRequest naming the problem. The empty selector matches all. */
export function parseSelector(input: string | undefined): Selector {
  const s = input ?? '';
  const fail = (why: string): ApiError => errors.badRequest(`invalid label selector "${s}": ${why}`);
  const toks = tokenize(s, fail);
  let pos = 0;
  const peek = (): Token => toks[pos]!;
  const next = (): Token => toks[pos++]!;
  const show = (t: Token): string => (t.kind === 'ident' ? `"${t.text}"` : t.kind === 'end' ? 'end of selector' : `'${t.kind}'`);

  const key = (): string => {
    const t = next();
    if (t.kind !== 'ident') throw fail(`found ${show(t)}, expected a label key`);
    const problems = qualifiedNameErrors(t.text);
    if (problems.length > 0) throw fail(`key "${t.text}": ${problems.join('; ')}`);
    return t.text;
  };
  const value = (): string => {
    const t = peek();
    if (t.kind !== 'ident') return '';
    pos++;
    const problems = labelValueErrors(t.text);
    if (problems.length > 0) throw fail(`value "${t.text}": ${problems.join('; ')}`);
    return t.text;
  };
  const valueSet = (): Set<string> => {
    const open = next();
    if (open.kind !== '(') throw fail(`found ${show(open)}, expected '('`);
    const values = new Set<string>([value()]);
    for (;;) {
      const t = next();
      if (t.kind === ')') break;
      if (t.kind !== ',') throw fail(`found ${show(t)}, expected ',' or ')'`);
      values.add(value());
    }
    if (values.size === 1 && values.has('')) throw fail("for 'in' and 'notin', the set of values cannot be empty");
    return values;
  };
  const requirement = (): Requirement => {
    if (peek().kind === '!') {
      pos++;
      return { op: '!exists', key: key() };
    }
    const k = key();
    const t = peek();
    if (t.kind === '=' || t.kind === '!=') {
      pos++;
      return { op: t.kind, key: k, value: value() };
    }
    if (t.kind === 'ident' && (t.text === 'in' || t.text === 'notin')) {
      pos++;
      return { op: t.text, key: k, values: valueSet() };
    }
    if (t.kind === ',' || t.kind === 'end') return { op: 'exists', key: k };
    throw fail(`found ${show(t)}, expected '=', '!=', 'in', 'notin', ',' or end of selector`);
  };

  const requirements: Requirement[] = [];
  if (peek().kind !== 'end') {
    for (;;) {
      requirements.push(requirement());
      const t = next();
      if (t.kind === 'end') break;
      if (t.kind !== ',') throw fail(`found ${show(t)}, expected ',' or end of selector`);
    }
  }
  return {
    requirements,
    matches: (labels) => requirements.every((r) => matchOne(r, labels)),
  };
}
