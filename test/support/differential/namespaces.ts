/**
 * The namespaces the differential test creates on every server, with the Pod Security labels
 * each case is judged under, and the same labels as `hostpod lint` flags.
 */

const P = 'pod-security.kubernetes.io/';

export interface NamespaceConfig {
  name: string;
  labels: Readonly<Record<string, string>>;
}

/** Every generated case and example goes to each of these. */
export const CASE_NAMESPACES: readonly NamespaceConfig[] = [
  { name: 'diff-privileged', labels: { [`${P}enforce`]: 'privileged', [`${P}warn`]: 'baseline' } },
  { name: 'diff-baseline', labels: { [`${P}enforce`]: 'baseline', [`${P}warn`]: 'restricted' } },
  { name: 'diff-restricted', labels: { [`${P}enforce`]: 'restricted' } },
  { name: 'diff-unlabelled', labels: {} },
];

const versioned = (level: string, version: string, warn: string, warnVersion: string): NamespaceConfig => ({
  name: `diff-${level}-${version.replace('.', '-')}-warn-${warn}-${warnVersion.replace('.', '-')}`,
  labels: { [`${P}enforce`]: level, [`${P}enforce-version`]: version, [`${P}warn`]: warn, [`${P}warn-version`]: warnVersion },
});

/**
 * Namespaces pinned to Pod Security versions, where the checks differ from the latest: each
 * generated case also goes to one of these, in turn, so every version is exercised without
 * sending every case everywhere.
 */
export const VERSIONED_NAMESPACES: readonly NamespaceConfig[] = [
  versioned('baseline', 'v1.23', 'restricted', 'v1.24'),
  versioned('restricted', 'v1.30', 'restricted', 'latest'),
  versioned('restricted', 'v1.22', 'baseline', 'v1.0'),
  versioned('baseline', 'v1.0', 'restricted', 'v1.19'),
  versioned('restricted', 'v1.25', 'restricted', 'v1.8'),
  versioned('baseline', 'v1.34', 'restricted', 'v1.33'),
];

/** On the API server started with --allow-privileged=false. */
export const NO_PRIVILEGED_NAMESPACE: NamespaceConfig = {
  name: 'diff-no-privileged', labels: { [`${P}enforce`]: 'privileged', [`${P}warn`]: 'restricted' },
};

/** The namespace of the upstream fixtures of one level and version: enforced there, nothing else. */
export function fixtureNamespace(level: string, version: string): NamespaceConfig {
  return { name: `fixtures-${level}-${version.replace('.', '-')}`, labels: { [`${P}enforce`]: level, [`${P}enforce-version`]: version } };
}

/** `hostpod lint --namespace-labels` for `config` (no flag when it has no labels). */
export function lintLabelArgs(config: NamespaceConfig): string[] {
  const pairs = Object.entries(config.labels).map(([k, v]) => `${k}=${v}`);
  return pairs.length === 0 ? [] : ['--namespace-labels', pairs.join(',')];
}

/** The Namespace object for `config`. */
export function namespaceObject(config: NamespaceConfig): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: config.name, labels: config.labels } };
}
