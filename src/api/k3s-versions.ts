// Kubernetes (k3s) versions bundled with the daemon (templates/k3s-versions.json, loaded by the
// service), and channel resolution (stable, latest, 1.32). Pure.

export interface K3sVersions {
  readonly versions: readonly string[];
  readonly channels: Readonly<Record<string, string>>;
}

/**
 * Resolves a channel or version (an optional leading "v" is ignored) to a concrete x.y.z.
 * Returns the input unchanged (without "v") when it names no channel, so the validator can
 * reject it with the supported-version message.
 */
export function resolveK3sVersion(v: string, list: K3sVersions): string {
  const bare = v.replace(/^v/, '');
  return list.channels[bare] ?? bare;
}

export function isSupportedK3sVersion(v: string, list: K3sVersions): boolean {
  return list.versions.includes(v);
}
