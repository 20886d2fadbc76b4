// App admission: defaults (Kubernetes version channel, cpus, memory) and the validator. Host capacity is measured on every request. The App's
// Lima template is rendered and validated by Lima here too, so a spec Lima rejects is refused at
// once instead of failing later in the App actor.
import { isDeepStrictEqual } from 'node:util';
import { APP_KIND, APP_VM_NAME, clone, errors, formatBinary, parseQuantity, type App, type AppSpec, type StatusCause } from '../../api/index.js';
import { precheckStale } from '../prechecks.js';
import type { AdmissionHook, AdmissionRequest, HostInfo, TemplateValidator } from '../types.js';
import { precheckTemplate, templateKey, type TemplateCheck } from './template-check.js';
import { isSupportedK3sVersion, resolveK3sVersion, type K3sVersions } from '../../api/k3s-versions.js';

export const MIN_MEMORY = 2 * 2 ** 30;
export const MAX_DEFAULT_MEMORY = 6 * 2 ** 30;
export const DEFAULT_CPUS = 2;

export interface AppAdmissionDeps {
  readonly host: HostInfo;
  readonly versions: K3sVersions;
  /** The daemon's RDD_VM_CPUS setting, if any (validated here, not at startup). */
  readonly defaultCpus?: string;
  /** Renders the App's Lima template and validates it through Lima; without it the template is not checked. */
  readonly template?: AppTemplateCheck;
}

export interface AppTemplateCheck {
  readonly validator: TemplateValidator;
  /** The template the App actor would write for `spec` (kubernetesPort: the App's recorded port, if any). */
  render(spec: AppSpec, kubernetesPort: number | undefined): string;
}

export function appTemplateRejectedMessage(limaMessage: string): string {
  return `Lima rejects the template for this configuration: ${limaMessage}`;
}

function defaultCpus(d: AppAdmissionDeps): number {
  let n = DEFAULT_CPUS;
  if (d.defaultCpus !== undefined && d.defaultCpus !== '') {
    const v = Number(d.defaultCpus);
    if (!Number.isInteger(v) || v <= 0) {
      throw errors.badRequest(`invalid RDD_VM_CPUS value "${d.defaultCpus}": want a positive integer`);
    }
    n = v;
  }
  return Math.min(n, d.host.cpus());
}

function defaultMemory(d: AppAdmissionDeps): number {
  const host = d.host.memoryBytes();
  if (host < MIN_MEMORY) {
    throw errors.badRequest(`host memory ${formatBinary(host)} is below the ${formatBinary(MIN_MEMORY)} minimum`);
  }
  const quarter = Math.floor(host / 4 / 2 ** 20) * 2 ** 20;
  return Math.min(MAX_DEFAULT_MEMORY, Math.max(MIN_MEMORY, quarter));
}

/** Fills in what the user left unset. Mutates `spec`. */
export function defaultAppSpec(spec: AppSpec, d: AppAdmissionDeps): void {
  if (spec.kubernetes?.enabled) {
    spec.kubernetes.version = resolveK3sVersion(spec.kubernetes.version || 'stable', d.versions);
  } else if (spec.kubernetes?.version) {
    spec.kubernetes.version = resolveK3sVersion(spec.kubernetes.version, d.versions);
  }
  const vm = (spec.virtualMachine ??= {});
  if (!vm.cpus) vm.cpus = defaultCpus(d);
  if (vm.memory === undefined || vm.memory === '') vm.memory = formatBinary(defaultMemory(d));
}

/** The validator's findings, one cause per field. */
export function validateAppSpec(spec: AppSpec, d: AppAdmissionDeps): StatusCause[] {
  const causes: StatusCause[] = [];
  const k8s = spec.kubernetes;
  if (k8s?.enabled && !k8s.version) {
    causes.push({ field: 'spec.kubernetes.version', message: 'spec.kubernetes.version must not be empty when spec.kubernetes.enabled is true' });
  }
  if (k8s?.version && !isSupportedK3sVersion(k8s.version, d.versions)) {
    causes.push({
      field: 'spec.kubernetes.version',
      message: `spec.kubernetes.version "${k8s.version}" is not supported; see the bundled k3s-versions.json for valid versions`,
    });
  }
  const cpus = spec.virtualMachine?.cpus;
  if (cpus !== undefined) {
    const hostCpus = d.host.cpus();
    if (cpus < 0) causes.push({ field: 'spec.virtualMachine.cpus', message: `spec.virtualMachine.cpus ${cpus} must not be negative` });
    else if (cpus > hostCpus) {
      causes.push({ field: 'spec.virtualMachine.cpus', message: `spec.virtualMachine.cpus ${cpus} exceeds the host CPU count of ${hostCpus}` });
    }
  }
  const mem = spec.virtualMachine?.memory;
  if (mem !== undefined) {
    const bytes = parseQuantity(mem);
    const hostMem = d.host.memoryBytes();
    if (bytes === undefined) {
      causes.push({ field: 'spec.virtualMachine.memory', message: `spec.virtualMachine.memory "${mem}" is not a valid quantity (e.g. 4Gi)` });
    } else if (bytes < MIN_MEMORY) {
      causes.push({ field: 'spec.virtualMachine.memory', message: `spec.virtualMachine.memory ${mem} is less than the minimum of ${formatBinary(MIN_MEMORY)}` });
    } else if (bytes > hostMem) {
      causes.push({ field: 'spec.virtualMachine.memory', message: `spec.virtualMachine.memory ${mem} exceeds the host memory of ${formatBinary(hostMem)}` });
    }
  }
  return causes;
}

/**
 * The template to check for this write, or undefined when there is nothing to check: an UPDATE
 * that leaves the (defaulted) spec as it was (finalizer edits never depend on Lima), or a spec the
 * validator rejects anyway. `spec` must already carry the defaults.
 */
function templateToCheck(req: AdmissionRequest<'CREATE' | 'UPDATE'>, spec: AppSpec, d: AppAdmissionDeps, t: AppTemplateCheck): string | undefined {
  if (req.operation === 'UPDATE' && isDeepStrictEqual(req.oldObject?.spec, spec)) return undefined;
  if (validateAppSpec(spec, d).length > 0) return undefined;
  const port = (req.oldObject as App | undefined)?.status?.kubernetesPort;
  return t.render(spec, port);
}

function appTemplateHook(d: AppAdmissionDeps, t: AppTemplateCheck): AdmissionHook<'CREATE' | 'UPDATE'> {
  return {
    name: 'app-template-validator.app.rancherdesktop.io',
    kinds: [APP_KIND],
    operations: ['CREATE', 'UPDATE'],
    async precheck(req, ctx) {
      const spec = req.object.spec as AppSpec | undefined;
      if (!spec) return;
      let text: string | undefined;
      try {
        // The precheck runs before the defaulter: check what the defaulter will store.
        const defaulted = clone(spec);
        defaultAppSpec(defaulted, d);
        text = templateToCheck(req, defaulted, d, t);
      } catch {
        return; // the sync phases report it, inside the transaction
      }
      if (text !== undefined) await precheckTemplate(t.validator, ctx.prechecks, APP_VM_NAME, text, ctx.signal);
    },
    validate(req, ctx) {
      const spec = req.object.spec as AppSpec | undefined;
      if (!spec) return;
      const text = templateToCheck(req, spec, d, t);
      if (text === undefined) return;
      const result = ctx.prechecks.get<TemplateCheck>(templateKey(text));
      if (result === undefined) throw precheckStale('the template of the App');
      if (!result.ok) {
        throw errors.invalid('apps.app.rancherdesktop.io', req.object.metadata.name, [
          { field: 'spec', reason: 'FieldValueInvalid', message: appTemplateRejectedMessage(result.message) },
        ]);
      }
    },
  };
}

export function appHooks(d: AppAdmissionDeps): AdmissionHook[] {
  const hooks: AdmissionHook<'CREATE' | 'UPDATE'>[] = [
    {
      name: 'app-defaulter.app.rancherdesktop.io',
      kinds: [APP_KIND],
      operations: ['CREATE', 'UPDATE'],
      mutate(req) {
        const spec = req.object.spec as AppSpec | undefined;
        if (spec) defaultAppSpec(spec, d);
      },
    },
    {
      name: 'app-validator.app.rancherdesktop.io',
      kinds: [APP_KIND],
      operations: ['CREATE', 'UPDATE'],
      validate(req) {
        const spec = req.object.spec as AppSpec | undefined;
        if (!spec) return;
        const causes = validateAppSpec(spec, d);
        if (causes.length > 0) throw errors.invalid('apps.app.rancherdesktop.io', req.object.metadata.name, causes);
      },
    },
    ...(d.template ? [appTemplateHook(d, d.template)] : []),
  ];
  return hooks;
}
