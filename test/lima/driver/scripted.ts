// Builds a driver over the scripted fixture, with a fresh LIMA_HOME per test.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/log.js';
import { createLimaDriver, toResolved, type DriverTimeouts, type LimaDriverHandle } from '../../../src/lima/index.js';
import { packageRoot } from '../../../src/package-root.js';
import type { Invocation, Script } from './fixtures/scripted-limactl.js';

/** Every scripted root starts with this (it appears in the fixture's SCRIPTED_LIMACTL env). */
export const scriptedRootPrefix = join(tmpdir(), 'rdd-lima-scripted-');

export const fixturePath = join(packageRoot(), 'dist', 'test', 'lima', 'driver', 'fixtures', 'scripted-limactl.js');

export const fatal = (msg: string): string => JSON.stringify({ level: 'fatal', msg, time: new Date().toISOString() });
export const info = (msg: string): string => JSON.stringify({ level: 'info', msg, time: new Date().toISOString() });
export const warn = (msg: string): string => JSON.stringify({ level: 'warning', msg, time: new Date().toISOString() });

export interface Scripted {
  readonly driver: LimaDriverHandle;
  readonly home: string;
  readonly calls: () => Invocation[];
  /** The subcommands called, with their arguments after the global flags. */
  readonly commands: () => string[];
  /** Resolves once an invocation of `key` has its signal handlers installed. */
  readonly started: (key: string) => Promise<void>;
  /** Makes `$LIMA_HOME/NAME/lima.yaml` so start/stop see an instance on disk. */
  readonly makeInstance: (name: string, files?: Record<string, string>) => string;
}

export function scripted(t: { teardown: (fn: () => void) => void }, script: Script, timeouts?: Partial<DriverTimeouts>): Scripted {
  const root = mkdtempSync(scriptedRootPrefix);
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const home = join(root, 'home');
  mkdirSync(home);
  const scriptFile = join(root, 'script.json');
  writeFileSync(scriptFile, JSON.stringify(script));
  const driver = createLimaDriver({
    limaHome: home,
    binary: toResolved(fixturePath, 'config', 'limactl'),
    log: silentLogger(),
    env: { SCRIPTED_LIMACTL: scriptFile, SCRIPTED_EXTRA: 'from-opts-env' },
    timeouts: { killGraceMs: 1000, ...timeouts },
  });
  const calls = (): Invocation[] => {
    try {
      return readFileSync(`${scriptFile}.calls`, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Invocation);
    } catch {
      return [];
    }
  };
  const commands = (): string[] => calls().map((c) => c.argv.filter((a) => !/^--(log-format|tty)=/.test(a)).join(' '));
  const makeInstance = (name: string, files: Record<string, string> = {}): string => {
    const dir = join(home, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'lima.yaml'), 'images: [{location: /etc/profile}]\n');
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
    return dir;
  };
  const started = async (key: string): Promise<void> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      let text = '';
      try {
        text = readFileSync(`${scriptFile}.started`, 'utf8');
      } catch {
        // not yet
      }
      if (text.split('\n').includes(key)) return;
      if (Date.now() > deadline) throw new Error(`scripted limactl ${key} did not start within 20 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { driver, home, calls, commands, makeInstance, started };
}
