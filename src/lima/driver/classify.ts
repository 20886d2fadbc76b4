// Maps limactl's fatal message to a LimaErrorCode (docs/lima.md#calls). Names are quoted `name` (v2.1.2+
// for cmd/, v2.2 for pkg/) or "name" (older): every pattern accepts both.
import type { LimaErrorCode } from '../types.js';

const Q = '[`"]';
/** A quoted value in either style. */
const q = (inner = '[^`"]*'): string => `${Q}${inner}${Q}`;

interface Rule {
  readonly code: LimaErrorCode;
  readonly re: RegExp;
}

// Order matters: the first match wins. Status dumps (`exiting, status={...}`) come first because
// they embed arbitrary error strings that could match the narrower rules below.
const rules: readonly Rule[] = [
  { code: 'Unknown', re: /^(exiting|degraded), status=/ },
  { code: 'RootRefused', re: /must not run as the root user/ },
  // Timeouts of limactl itself (start's --timeout, stop's fixed waits, the 5 s pid file wait).
  { code: 'Timeout', re: new RegExp(`did not receive an event with the ${q('(running|exiting)')} status`) },
  { code: 'Timeout', re: /timed out waiting for instance to shut down/ },
  { code: 'Timeout', re: new RegExp(`hostagent \\(${q()}\\) did not start up in`) },
  // delete without -f, edit of a running instance, start over a live ha.pid, hostagent pid clash.
  { code: 'NotStopped', re: new RegExp(`expected status ${q('Stopped')}, got `) },
  { code: 'NotStopped', re: /cannot edit a running instance/ },
  { code: 'NotStopped', re: new RegExp(`instance ${q()} seems running`) },
  { code: 'NotStopped', re: /another hostagent may already be running/ },
  // Graceful stop of something that is not Running; shell into a stopped instance.
  { code: 'NotRunning', re: new RegExp(`expected status ${q('Running')}, got `) },
  { code: 'NotRunning', re: new RegExp(`instance ${q()} is stopped, run `) },
  { code: 'AlreadyExists', re: new RegExp(`instance ${q()} already exists`) },
  { code: 'NotFound', re: new RegExp(`instance ${q()} not found`) },
  { code: 'NotFound', re: new RegExp(`instance ${q()} does not exist`) },
  { code: 'NotFound', re: /^unmatched instances$/ },
  { code: 'NotFound', re: /lima\.yaml: no such file or directory/ },
  // Template problems: validate, create's validation, params, start over a corrupt lima.yaml.
  { code: 'InvalidTemplate', re: /failed to validate YAML file/ },
  { code: 'InvalidTemplate', re: /has configuration errors/ },
  { code: 'InvalidTemplate', re: /template does not define param/ },
  { code: 'InvalidTemplate', re: new RegExp(`field ${q('param')} key`) },
  { code: 'InvalidTemplate', re: /shrinking (the disk|is not supported)|disk shrinking is not supported/ },
  { code: 'InvalidTemplate', re: new RegExp(`vmType ${q()} is not a registered driver`) },
  { code: 'InvalidTemplate', re: /can't determine instance name from template locator/ },
  { code: 'InvalidTemplate', re: /must pass instance name with --name/ },
  { code: 'InvalidTemplate', re: /^filename .* is invalid/ },
  { code: 'InvalidTemplate', re: /^instance name .* too long/ },
  { code: 'InvalidTemplate', re: /failed to (load|parse|unmarshal) YAML|yaml: (line \d+|unmarshal errors)/ },
  // create's own validation reports bare field errors; a name that is not an identifier.
  { code: 'InvalidTemplate', re: new RegExp(`^field ${q()} (must be set|has an invalid value)`) },
  { code: 'InvalidTemplate', re: /^instance name .* is not a valid identifier/ },
];

/** The LimaErrorCode for a limactl fatal message; `Unknown` when nothing matches. */
export function classifyLimaMessage(message: string): LimaErrorCode {
  const m = message.trim();
  for (const r of rules) if (r.re.test(m)) return r.code;
  return 'Unknown';
}

/** True for stop's "expected status `Running`, got `Stopped`": the instance is already stopped. */
export function isAlreadyStoppedMessage(message: string): boolean {
  return new RegExp(`expected status ${q('Running')}, got ${q('Stopped')}`).test(message);
}

/** True for delete's "Ignoring non-existent instance `N`" warning. */
export function isIgnoredMissingMessage(message: string): boolean {
  return new RegExp(`Ignoring non-existent instance ${q()}`).test(message);
}

/** True for start's "The instance `N` is already running." info line. */
export function isAlreadyRunningMessage(message: string): boolean {
  return new RegExp(`instance ${q()} is already running`).test(message);
}
