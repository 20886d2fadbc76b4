// Browser tests of the status page: Debian's chromium (never a downloaded browser) driven by
// playwright-core, against a real daemon in a fresh RDD_HOME (the CLI harness). Each test gets a
// fresh browser context (one chromium per file, with a fresh --user-data-dir), saves a screenshot
// under artifacts/dashboard/<test>/, and reaps every process it started (the daemon, hostagents);
// the browser closes after the file.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { packageRoot } from '../../src/package-root.js';
import { rddHome, type RddHome } from '../cli/helpers/harness.js';
import { freePort } from '../helpers/ports.js';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The system chromium (`apt-get install chromium`); the tests never fetch one. */
export function chromiumPath(): string {
  const p = process.env.RDD_CHROMIUM ?? execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  if (!p) throw new Error('chromium is not installed: run "apt-get install -y chromium" (.ci/run does this)');
  return p;
}

let shared: Promise<Browser> | undefined;

/**
 * One chromium per test file (a launch costs about 0.9 s of CPU), started on first use with a
 * fresh profile directory that playwright makes and removes, and closed after the file's tests.
 */
function launched(): Promise<Browser> {
  shared ??= chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_FLAGS });
  return shared;
}

test.after.always(async () => {
  if (shared) await (await shared).close();
});

/** A fresh browser context (its own cookies and storage, like a new profile), closed at teardown. */
export async function browser(t: ExecutionContext): Promise<BrowserContext> {
  const ctx = await (await launched()).newContext({ viewport: { width: 1100, height: 900 } });
  t.teardown(() => ctx.close().catch(() => undefined));
  return ctx;
}

export function artifactsDir(t: ExecutionContext): string {
  const slug = t.title.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
  const dir = join(process.env.RDD_TEST_ARTIFACTS ?? join(packageRoot(), 'artifacts', 'dashboard'), slug);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function screenshot(t: ExecutionContext, page: Page, name = 'page'): Promise<string> {
  const file = join(artifactsDir(t), `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  t.log(`screenshot: ${file}`);
  return file;
}

export interface Daemon {
  readonly home: RddHome;
  readonly port: number;
  /** `rdd dashboard --no-open`: a fresh sign-in address. */
  loginUrl(): Promise<string>;
}

/**
 * A daemon on a fixed port (in config.json, so a restarted daemon keeps its origin) in a fresh RDD_HOME, stopped (and its processes reaped) at teardown.
 * `config.port: 0` leaves the port to the daemon (then `port` is not its port).
 */
export async function daemon(t: ExecutionContext, config: Record<string, unknown> = {}): Promise<Daemon> {
  const home = rddHome(t);
  const port = await freePort();
  home.prepare('2', { port, ...config });
  const r = await home.run(['service', 'start']);
  if (r.exitCode !== 0) throw new Error(`service start: ${r.stderr}`);
  return {
    home,
    port,
    async loginUrl() {
      const d = await home.run(['dashboard', '--no-open']);
      if (d.exitCode !== 0) throw new Error(`rdd dashboard exited ${d.exitCode}: ${d.stderr}`);
      return d.stdout.trim();
    },
  };
}

/** Opens the page with a sign-in address and waits until the first full picture is on screen. */
export async function signedIn(ctx: BrowserContext, url: string): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(url);
  await page.locator('body[data-ready="true"]').waitFor();
  return page;
}
