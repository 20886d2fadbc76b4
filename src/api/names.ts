// Well-known finalizer, label and annotation names, and name validation rules.

/** Self-protection: only the object's own actor adds or removes it. */
export const CLEANUP_FINALIZER = 'rdd.rancherdesktop.io/cleanup';
const OWNED_BY_PREFIX = 'rdd.rancherdesktop.io/owned-by-';

/** Cascade blocking: the owner puts it on a child; only the owner removes it. */
export function ownedByFinalizer(ownerKind: string): string {
  return `${OWNED_BY_PREFIX}${ownerKind}`;
}

/** The owner kind encoded in an owned-by finalizer, or undefined for any other finalizer. */
export function ownerKindOfFinalizer(finalizer: string): string | undefined {
  return finalizer.startsWith(OWNED_BY_PREFIX) ? finalizer.slice(OWNED_BY_PREFIX.length) : undefined;
}

/** The owned-by finalizers of an object (at most one is expected). */
export function ownedByFinalizers(finalizers: readonly string[] | undefined): string[] {
  return (finalizers ?? []).filter((f) => f.startsWith(OWNED_BY_PREFIX));
}

export const TEMPLATE_CONFIGMAP_LABEL = 'lima.rancherdesktop.io/template-configmap';
const TEMPLATE_CONFIGMAP_SUFFIX = '-template';

/** The ConfigMap that holds a LimaVM's template: `<vm>-template`, in the VM's namespace. */
export function templateConfigMapName(vmName: string): string {
  return `${vmName}${TEMPLATE_CONFIGMAP_SUFFIX}`;
}

/** The LimaVM whose template ConfigMap has this name, or undefined if the name is not one. */
export function vmOfTemplateConfigMap(configMapName: string): string | undefined {
  return configMapName.endsWith(TEMPLATE_CONFIGMAP_SUFFIX) ? configMapName.slice(0, -TEMPLATE_CONFIGMAP_SUFFIX.length) : undefined;
}
export const RESTART_REQUESTED_ANNOTATION = 'lima.rancherdesktop.io/restartRequested';
export const RESET_REQUESTED_ANNOTATION = 'lima.rancherdesktop.io/resetRequested';
export const ADOPT_ANNOTATION = 'lima.rancherdesktop.io/adopt';
/** Marks a namespace that the App created, so it deletes it only then. */
export const CREATED_BY_LABEL = 'rdd.rancherdesktop.io/created-by';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LIMA_INSTANCE_NAME = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;

/** Problems with `name` as a DNS-1123 subdomain (object names), empty when valid. */
export function dns1123SubdomainErrors(name: string): string[] {
  const out: string[] = [];
  if (name.length > 253) out.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(name)) {
    out.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
    );
  }
  return out;
}

/** Problems with `name` as a DNS-1123 label (namespace names), empty when valid. */
export function dns1123LabelErrors(name: string): string[] {
  const out: string[] = [];
  if (name.length > 63) out.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(name)) {
    out.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name')",
    );
  }
  return out;
}

/** Problems with `name` as a Lima instance name (Lima's own rule for instance names), empty when valid. */
export function limaInstanceNameErrors(name: string): string[] {
  const out: string[] = [];
  if (name.length > 76) out.push('must be no more than 76 characters to be a Lima instance name');
  if (!LIMA_INSTANCE_NAME.test(name)) {
    out.push(
      'must be a valid Lima instance name: alphanumeric runs separated by single ".", "_" or "-" (so "a--b" is not allowed)',
    );
  }
  if (/\.ya?ml$/.test(name)) out.push('must not end in ".yml" or ".yaml" (Lima reserves these)');
  return out;
}
