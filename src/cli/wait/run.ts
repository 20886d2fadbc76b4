// Runs one wait with progress on stderr (spinner in a terminal, lines on a pipe).
import type { Resource } from '../../api/index.js';
import type { Cli, Session } from '../context.js';
import { createProgress } from './progress.js';
import { waitForObject, type WaitSpec } from './wait.js';

export async function runWait(cli: Cli, session: Session, spec: WaitSpec, timeoutMs: number): Promise<Resource | undefined> {
  const progress = await createProgress({ stream: cli.io.stderr });
  try {
    return await waitForObject(session, spec, { timeoutMs, progress });
  } finally {
    progress.stop();
  }
}
