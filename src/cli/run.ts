// Runs one `rdd` command line and exits: shared by the compiled entry (main.ts, also the daemon's
// entry) and the bundled CLI (dist/rdd-cli.cjs), which cannot use top-level await (see
// scripts/bundle.mjs).
import type { Cli } from './context.js';
import { exitCodeOf, messageOf } from './exit.js';
import { buildProgram } from './program.js';

export async function main(argv: readonly string[]): Promise<number> {
  const io = { stdout: process.stdout, stderr: process.stderr };
  let cli: Cli | undefined;
  const program = buildProgram(io, (c) => (cli = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    const msg = messageOf(e);
    if (msg) io.stderr.write(`error: ${msg}\n`);
    return exitCodeOf(e);
  } finally {
    await cli?.close();
  }
}

const flushed = (s: NodeJS.WriteStream) => new Promise<void>((r) => (s.writableLength === 0 ? r() : s.once('drain', () => r())));

/**
 * A reader that goes away (`rdd get -w | head -1`, `rdd --help | head`) ends the command quietly,
 * as SIGPIPE ends other Unix tools, instead of an unhandled EPIPE with a stack trace.
 */
function endQuietlyOnClosedPipe(s: NodeJS.WriteStream): void {
  s.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

/** Runs the command line of this process and exits with its code. */
export async function runAndExit(argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  endQuietlyOnClosedPipe(process.stdout);
  endQuietlyOnClosedPipe(process.stderr);
  const code = await main(argv);
  process.exitCode = code;
  // Streams (watch, log follow) and sockets must not keep a finished command alive; output that is
  // still buffered (pipes on macOS are asynchronous) is written first.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}
