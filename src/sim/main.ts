#!/usr/bin/env node
// rdd-limactl-sim: a `limactl` stand-in that speaks Lima's CLI contract (docs/lima.md#conventions-of-limactl, docs/lima.md#mapping-to-lima, docs/lima.md#instance-directory) with
// real files, a real detached hostagent process, and fault knobs. Every invocation except the
// hostagent is recorded in $LIMA_HOME/_sim/calls.ndjson when it ends (SIGKILL cannot be recorded).
import { GLOBAL_FLAGS, flagString, parseArgs, splitCommand } from './cli.js';
import { ALIASES, COMMANDS } from './commands/table.js';
import type { Ctx } from './context.js';
import { FaultsError, loadFaults } from './faults.js';
import { resolveLimaHome } from './files.js';
import { CliLogger, Fatal, setQuoteStyle, type Level } from './output.js';
import { appendSimLog } from './paths.js';

const DEFAULT_VERSION = '2.2.0-sim';

const USAGE = `rdd-limactl-sim: a simulator of limactl (Lima ${DEFAULT_VERSION})

Usage:
  limactl [command]

Commands:
  create, start, stop, delete (rm), list (ls), validate, shell, edit

Global flags:
  --log-format json|text, --log-level LEVEL, --debug, --tty=false, -y, --version
`;

/** Pre-scan for --log-format so even argument errors print in the requested format. */
function logFormatOf(argv: readonly string[]): 'json' | 'text' {
  const i = argv.findIndex((a) => a === '--log-format' || a.startsWith('--log-format='));
  if (i < 0) return 'text';
  const v = argv[i]?.includes('=') ? argv[i]?.split('=')[1] : argv[i + 1];
  return v === 'json' ? 'json' : 'text';
}

function versionOf(limaHome: string, instance: string | null): string {
  let v: string | undefined;
  try {
    v = loadFaults(limaHome, instance).versionString;
  } catch {
    // Reported by the command itself.
  }
  return (v ?? DEFAULT_VERSION).replace(/^limactl version /, '');
}

/** v2.2 quotes with backquotes, older versions with double quotes. */
function quoteStyleFor(version: string): 'backquote' | 'double' {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return 'backquote';
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > 2 || (maj === 2 && min >= 2) ? 'backquote' : 'double';
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const began = Date.now();
  const env = process.env;
  const limaHome = resolveLimaHome(env);
  const { cmd: rawCmd, rest, before } = splitCommand(argv);
  const cmdName = rawCmd === undefined ? undefined : (ALIASES[rawCmd] ?? rawCmd);
  const def = cmdName === undefined ? undefined : COMMANDS[cmdName];
  let log = new CliLogger(cmdName === 'hostagent' ? 'json' : logFormatOf(argv));
  let stdinBytes = 0;
  let instance: string | null = null;
  const hooks: ((s: NodeJS.Signals) => void)[] = [];
  const recordable = cmdName !== 'hostagent' && (env.LIMA_HOME !== undefined || def !== undefined);
  let finished = false;
  const finish = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
    if (finished || !recordable) return;
    finished = true;
    const call = { kind: 'call' as const, pid: process.pid, cmd: cmdName ?? (argv.includes('--version') ? 'version' : 'help') };
    appendSimLog(limaHome, { ...call, instance, argv, stdinBytes, start: began, end: Date.now(), exitCode, signal });
  };
  const exit: (code: number) => never = (code) => {
    finish(code, null);
    process.exit(code);
  };

  if (cmdName !== 'hostagent') {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.on(sig, () => {
        for (const h of hooks) h(sig);
        finish(null, sig);
        process.removeAllListeners(sig);
        process.kill(process.pid, sig);
      });
    }
  }

  try {
    const parsed = parseArgs(def === undefined ? before : [...before, ...rest], def?.flags ?? GLOBAL_FLAGS, def?.interspersed ?? true);
    const format = flagString(parsed.flags, 'log-format') ?? 'text';
    if (format !== 'json' && format !== 'text') throw new Fatal(`unsupported log format ${JSON.stringify(format)}`);
    const debug = parsed.flags.get('debug') === true;
    const level = (flagString(parsed.flags, 'log-level') ?? (debug ? 'debug' : 'info')).replace(/^warn$/, 'warning') as Level;
    log = new CliLogger(cmdName === 'hostagent' ? 'json' : format, level);
    instance = def?.instance(parsed.positionals, flagString(parsed.flags, 'name')) ?? null;
    const version = versionOf(limaHome, instance);
    setQuoteStyle(quoteStyleFor(version));
    if (parsed.flags.get('version') === true) {
      process.stdout.write(`limactl version ${version}\n`);
      exit(0);
    }
    if (def === undefined || parsed.flags.get('help') === true) {
      if (rawCmd !== undefined && def === undefined) throw new Fatal(`unknown command ${JSON.stringify(rawCmd)} for "limactl"`);
      process.stdout.write(USAGE);
      exit(0);
    }
    // main() runs only as a program, so argv[1] is its script (the launcher when bundled).
    const self = process.argv[1];
    if (self === undefined) throw new Fatal('rdd-limactl-sim: no script path in argv; run it as `node <script>`');
    const ctx: Ctx = {
      limaHome,
      log,
      env,
      debug,
      logFormat: format,
      flags: parsed.flags,
      positionals: parsed.positionals,
      self,
      version,
      faults: (name) => {
        try {
          return loadFaults(limaHome, name, env);
        } catch (e) {
          if (e instanceof FaultsError) throw new Fatal(`rdd-limactl-sim: ${e.message}`);
          throw e;
        }
      },
      readStdin: async () => {
        const chunks: Buffer[] = [];
        for await (const c of process.stdin) chunks.push(c as Buffer);
        const buf = Buffer.concat(chunks);
        stdinBytes += buf.length;
        return buf.toString('utf8');
      },
      onTerminate: (fn) => hooks.push(fn),
    };
    if (ctx.faults(instance).root === true) throw new Fatal('limactl: must not run as the root user');
    const run = await def.load();
    exit(await run(ctx));
  } catch (e) {
    log.fatal(e instanceof Fatal ? e.message : `internal error in rdd-limactl-sim: ${(e as Error).stack ?? String(e)}`);
    exit(1);
  }
}

void main();
