// The subcommands: their flags (known before anything heavy is loaded), which instance a call is
// about (for the calls log and per-instance knobs), and a lazy loader of the implementation, so
// `--version` or `list` does not pay for modules it does not run.
import type { FlagSpec } from '../cli.js';
import type { Command } from '../context.js';
import { validateInstanceName } from '../names.js';

export interface CommandDef {
  readonly flags: readonly FlagSpec[];
  readonly load: () => Promise<Command>;
  /** `shell`: flags after the instance name belong to the remote command. */
  readonly interspersed?: boolean;
  readonly instance: (positionals: string[], nameFlag: string | undefined) => string | null;
}

const CREATE: readonly FlagSpec[] = [
  { name: 'name', type: 'string' },
  { name: 'set', type: 'strings' },
  { name: 'param', type: 'strings' },
  { name: 'cpus', type: 'string' },
  { name: 'memory', type: 'string' },
  { name: 'disk', type: 'string' },
  { name: 'vm-type', type: 'string' },
];
const FORCE: readonly FlagSpec[] = [{ name: 'force', short: 'f', type: 'bool' }];
const first = (p: string[]): string | null => p[0] ?? null;

export const COMMANDS: Readonly<Record<string, CommandDef>> = {
  create: {
    flags: CREATE,
    load: async () => (await import('./create.js')).createCmd,
    instance: (p, n) => n ?? (p[0] === '-' ? null : (p[0] ?? 'default')),
  },
  start: {
    flags: [...CREATE, { name: 'timeout', type: 'string' }, { name: 'foreground', type: 'bool' }, { name: 'progress', type: 'bool' }],
    load: async () => (await import('./start.js')).startCmd,
    instance: (p, n) => p[0] ?? n ?? 'default',
  },
  stop: { flags: FORCE, load: async () => (await import('./stop.js')).stopCmd, instance: (p) => p[0] ?? 'default' },
  delete: { flags: FORCE, load: async () => (await import('./delete.js')).deleteCmd, instance: first },
  list: {
    flags: [
      { name: 'json', type: 'bool' },
      { name: 'format', type: 'string' },
      { name: 'quiet', short: 'q', type: 'bool' },
      { name: 'all-fields', type: 'bool' },
    ],
    load: async () => (await import('./list.js')).listCmd,
    instance: first,
  },
  validate: {
    flags: [{ name: 'fill', type: 'bool' }],
    load: async () => (await import('./validate.js')).validateCmd,
    instance: (p) => validateInstanceName(p[0] ?? '-') ?? null,
  },
  shell: {
    flags: [
      { name: 'workdir', type: 'string' },
      { name: 'shell', type: 'string' },
      { name: 'start', type: 'bool' },
    ],
    load: async () => (await import('./shell.js')).shellCmd,
    interspersed: false,
    instance: first,
  },
  edit: {
    flags: [...CREATE.filter((f) => f.name !== 'name'), { name: 'start', type: 'bool' }],
    load: async () => (await import('./edit.js')).editCmd,
    instance: (p) => p[0] ?? 'default',
  },
  hostagent: {
    flags: [
      { name: 'pidfile', type: 'string' },
      { name: 'socket', type: 'string' },
      { name: 'run-gui', type: 'bool' },
      { name: 'progress', type: 'bool' },
      { name: 'guestagent', type: 'string' },
      { name: 'nerdctl-archive', type: 'string' },
    ],
    load: async () => (await import('../hostagent/hostagent.js')).hostagentCmd,
    instance: first,
  },
};

export const ALIASES: Readonly<Record<string, string>> = { rm: 'delete', remove: 'delete', ls: 'list' };
