// A small cobra/pflag-compatible argument parser: global flags anywhere, `--flag=value`,
// `--flag value`, `--bool[=true|false]`, short bools, `--` ends flags, and (for `shell`)
// no interspersed flags after the first positional. Errors read like cobra's.
import { Fatal } from './output.js';

export type FlagType = 'bool' | 'string' | 'strings';

export interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly type: FlagType;
}

export type FlagValues = Map<string, string | boolean | string[]>;

export interface Parsed {
  flags: FlagValues;
  positionals: string[];
}

export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'log-format', type: 'string' },
  { name: 'log-level', type: 'string' },
  { name: 'debug', type: 'bool' },
  { name: 'tty', type: 'bool' },
  { name: 'yes', short: 'y', type: 'bool' },
  { name: 'help', short: 'h', type: 'bool' },
  { name: 'version', type: 'bool' },
];

function parseBool(name: string, v: string): boolean {
  if (/^(1|t|true|TRUE|True)$/.test(v)) return true;
  if (/^(0|f|false|FALSE|False)$/.test(v)) return false;
  throw new Fatal(`invalid argument ${JSON.stringify(v)} for "--${name}" flag: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

function setFlag(flags: FlagValues, spec: FlagSpec, value: string | boolean): void {
  if (spec.type === 'strings') {
    const prev = flags.get(spec.name);
    flags.set(spec.name, [...(Array.isArray(prev) ? prev : []), String(value)]);
  } else {
    flags.set(spec.name, value);
  }
}

/** Parses `args` against `specs` (global flags always included). */
export function parseArgs(args: readonly string[], specs: readonly FlagSpec[], interspersed = true): Parsed {
  const all = [...GLOBAL_FLAGS, ...specs];
  const flags: FlagValues = new Map();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!interspersed && positionals.length > 0) {
      positionals.push(...args.slice(i));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const spec = all.find((s) => s.name === name);
      if (!spec) throw new Fatal(`unknown flag: --${name}`);
      if (spec.type === 'bool') {
        setFlag(flags, spec, eq < 0 ? true : parseBool(name, a.slice(eq + 1)));
      } else if (eq >= 0) {
        setFlag(flags, spec, a.slice(eq + 1));
      } else {
        const v = args[i + 1];
        if (v === undefined) throw new Fatal(`flag needs an argument: --${name}`);
        setFlag(flags, spec, v);
        i++;
      }
    } else if (a.startsWith('-') && a !== '-') {
      for (const [j, ch] of [...a.slice(1)].entries()) {
        const spec = all.find((s) => s.short === ch);
        if (!spec) throw new Fatal(`unknown shorthand flag: '${ch}' in ${a}`);
        if (spec.type === 'bool') {
          setFlag(flags, spec, true);
          continue;
        }
        const inline = a.slice(2 + j);
        if (inline !== '') setFlag(flags, spec, inline.replace(/^=/, ''));
        else {
          const v = args[i + 1];
          if (v === undefined) throw new Fatal(`flag needs an argument: '${ch}' in ${a}`);
          setFlag(flags, spec, v);
          i++;
        }
        break;
      }
    } else {
      positionals.push(a);
    }
  }
  return { flags, positionals };
}

/** The subcommand: the first argument that is not a global flag (or a global flag's value). */
export function splitCommand(argv: readonly string[]): { cmd: string | undefined; rest: string[]; before: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('-') || a === '-') return { cmd: a, rest: argv.slice(i + 1), before: argv.slice(0, i) };
    if (a === '--') return { cmd: argv[i + 1], rest: argv.slice(i + 2), before: argv.slice(0, i) };
    const name = a.startsWith('--') ? a.slice(2).split('=')[0] : undefined;
    const spec = GLOBAL_FLAGS.find((s) => s.name === name);
    if (spec && spec.type !== 'bool' && !a.includes('=')) i++;
  }
  return { cmd: undefined, rest: [], before: [...argv] };
}

export function flagBool(flags: FlagValues, name: string): boolean {
  return flags.get(name) === true;
}

export function flagString(flags: FlagValues, name: string): string | undefined {
  const v = flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function flagStrings(flags: FlagValues, name: string): string[] {
  const v = flags.get(name);
  return Array.isArray(v) ? v : [];
}
