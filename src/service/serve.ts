// `rdd service serve --foreground`: run the daemon in this process until SIGINT/SIGTERM.
import { mkdirSync } from 'node:fs';
import { createLogger, type Logger } from '../log.js';
import { installProcessGuard } from '../supervisor/index.js';
import { loadDaemonConfig } from './config.js';
import { startDaemon } from './daemon.js';
import type { Instance, Paths } from './instance.js';
import { acquirePidFile } from './pidfile.js';

/** SIGKILLs this process when RDD_FAULT_POINT names `name`: a crash at an exact step, for tests. */
export function faultPoint(name: string): void {
  if (process.env.RDD_FAULT_POINT === name) process.kill(process.pid, 'SIGKILL');
}

export async function serve(o: { instance: Instance; paths: Paths; log?: Logger }): Promise<number> {
  const log = o.log ?? createLogger({ name: 'rdd-daemon' });
  mkdirSync(o.paths.dir, { recursive: true, mode: 0o700 });
  const release = acquirePidFile(o.paths.pidFile);
  try {
    const config = loadDaemonConfig(o.paths.configFile);
    const daemon = await startDaemon({ instance: o.instance, paths: o.paths, config, log, faultPoint });
    const uninstall = installProcessGuard(daemon.kernel, log);
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals += 1;
      log.info({ signal: sig, count: signals }, 'signal received');
      // The first signal stops gracefully; another one forces the VMs down at once.
      void (signals === 1 ? daemon.shutdown(sig) : daemon.forceShutdown(sig));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    await daemon.done;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    uninstall();
    return 0;
  } finally {
    release();
  }
}
