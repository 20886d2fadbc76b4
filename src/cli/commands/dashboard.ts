// `rdd dashboard` (alias `rdd ui`): prints the status page's address with a fresh one-time login
// code in its fragment, and opens it in the default browser where there is one. The code is good
// for one sign-in within a minute; the daemon token never leaves this process.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { readEndpointFile } from '../../transport/endpoint.js';
import type { Cli } from '../context.js';

/** `http://127.0.0.1:<port>/#code=<code>`: the fragment never goes to a server or a Referer. */
export function dashboardUrl(wsUrl: string, code: string): string {
  const u = new URL(wsUrl);
  return `http://${u.host}/#code=${encodeURIComponent(code)}`;
}

/** The platform's "open this URL" command, or undefined where none is known. */
function opener(): { cmd: string; args: string[] } | undefined {
  switch (process.platform) {
    case 'darwin':
      return { cmd: 'open', args: [] };
    case 'win32':
      return { cmd: 'cmd', args: ['/c', 'start', '""'] };
    default:
      return process.env.DISPLAY || process.env.WAYLAND_DISPLAY ? { cmd: 'xdg-open', args: [] } : undefined;
  }
}

function openBrowser(url: string): Promise<boolean> {
  const o = opener();
  if (!o) return Promise.resolve(false);
  return new Promise((resolve) => {
    const child = spawn(o.cmd, [...o.args, url], { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

async function dashboard(cli: Cli, o: { open: boolean }): Promise<void> {
  const s = await cli.session();
  const ep = readEndpointFile(cli.paths.endpointFile);
  const { code, expiresAt } = await s.client.loginCode();
  const url = dashboardUrl(ep.url, code);
  cli.out(url);
  const opened = o.open && (await openBrowser(url));
  cli.io.stderr.write(
    `${opened ? 'Opened the status page in your browser.' : 'Open this address in a browser on this machine.'} ` +
      `The link signs in once, until ${expiresAt}; run "rdd dashboard" again for a new one.\n`,
  );
}

export function registerDashboardCommand(program: Command, cliOf: (cmd: Command) => Cli): void {
  program
    .command('dashboard')
    .alias('ui')
    .description('Open the live status page in a browser (prints its one-time sign-in address)')
    .option('--no-open', 'only print the address')
    .action(async (o: { open: boolean }, cmd: Command) => dashboard(cliOf(cmd), o));
}
