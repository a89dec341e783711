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
  {
    name: 'diff-baseline-v1-23',
    labels: { [`${P}enforce`]: 'baseline', [`${P}enforce-version`]: 'v1.23', [`${P}warn`]: 'restricted', [`${P}warn-version`]: 'v1.24' },
  },
  {
    name: 'diff-restricted-v1-30',
    labels: { [`${P}enforce`]: 'restricted', [`${P}enforce-version`]: 'v1.30', [`${P}warn`]: 'restricted', [`${P}warn-version`]: 'latest' },
  },
  { name: 'diff-unlabelled', labels: {} },
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
