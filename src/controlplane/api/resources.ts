/**
 * The resources the control plane serves, as discovery advertises them: enough of core/v1, apps/v1,
 * authorization.k8s.io/v1 and coordination.k8s.io/v1 for HostProcess workloads and the node agent.
 */

export interface Subresource {
  name: string;
  kind: string;
  /** The subresource's own group/version when its kind lives elsewhere (TokenRequest, Binding). */
  group?: string;
  version?: string;
  verbs: readonly string[];
}

export interface ResourceInfo {
  group: string;
  version: string;
  /** The plural name in URLs: `pods`. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: readonly string[];
  shortNames: readonly string[];
  categories: readonly string[];
  subresources: readonly Subresource[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
const STATUS_VERBS = ['get', 'patch', 'update'] as const;

export const RESOURCES: readonly ResourceInfo[] = [
  {
    group: '', version: 'v1', resource: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['ns'], categories: [],
    subresources: [{ name: 'status', kind: 'Namespace', verbs: STATUS_VERBS }, { name: 'finalize', kind: 'Namespace', verbs: ['update'] }],
  },
  {
    group: '', version: 'v1', resource: 'pods', singular: 'pod', kind: 'Pod', namespaced: true,
    verbs: ALL_VERBS, shortNames: ['po'], categories: ['all'],
    subresources: [
      { name: 'status', kind: 'Pod', verbs: STATUS_VERBS },
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
    ],
  },
  {
    group: '', version: 'v1', resource: 'bindings', singular: 'binding', kind: 'Binding', namespaced: true,
    verbs: ['create'], shortNames: [], categories: [], subresources: [],
  },
  {
    group: '', version: 'v1', resource: 'nodes', singular: 'node', kind: 'Node', namespaced: false,
    verbs: ALL_VERBS, shortNames: ['no'], categories: [],
    subresources: [{ name: 'status', kind: 'Node', verbs: STATUS_VERBS }],
  },
  {
    group: '', version: 'v1', resource: 'events', singular: 'event', kind: 'Event', namespaced: true,
    verbs: ALL_VERBS, shortNames: ['ev'], categories: [], subresources: [],
  },
  {
    group: '', version: 'v1', resource: 'serviceaccounts', singular: 'serviceaccount', kind: 'ServiceAccount', namespaced: true,
    verbs: ALL_VERBS, shortNames: ['sa'], categories: [],
    subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
  },
  {
    group: '', version: 'v1', resource: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true,
    verbs: ALL_VERBS, shortNames: ['cm'], categories: [], subresources: [],
  },
  {
    group: '', version: 'v1', resource: 'secrets', singular: 'secret', kind: 'Secret', namespaced: true,
    verbs: ALL_VERBS, shortNames: [], categories: [], subresources: [],
  },
  {
    group: 'apps', version: 'v1', resource: 'daemonsets', singular: 'daemonset', kind: 'DaemonSet', namespaced: true,
    verbs: ALL_VERBS, shortNames: ['ds'], categories: ['all'],
    subresources: [{ name: 'status', kind: 'DaemonSet', verbs: STATUS_VERBS }],
  },
  {
    // Create only: a question answered by the authorizer, never stored (kubelets ask it about their callers).
    group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews', singular: 'subjectaccessreview', kind: 'SubjectAccessReview', namespaced: false,
    verbs: ['create'], shortNames: [], categories: [], subresources: [],
  },
  {
    group: 'coordination.k8s.io', version: 'v1', resource: 'leases', singular: 'lease', kind: 'Lease', namespaced: true,
    verbs: ALL_VERBS, shortNames: [], categories: [], subresources: [],
  },
];

/** The group/version string of a resource: `v1`, `apps/v1`. */
export function groupVersion(info: { group: string; version: string }): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

/** The store's name for a resource: `pods`, `apps/daemonsets`. */
export function storeResource(info: ResourceInfo): string {
  return info.group === '' ? info.resource : `${info.group}/${info.resource}`;
}

/** The key of a kind, as the defaults and patch modules name it: `v1/Pod`, `apps/v1/DaemonSet`. */
export function kindKey(info: ResourceInfo): string {
  return `${groupVersion(info)}/${info.kind}`;
}

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function resourceForKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => groupVersion(r) === apiVersion && r.kind === kind && r.resource !== 'bindings');
}

/** The served group/versions, in discovery order. */
export function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of RESOURCES) seen.set(groupVersion(r), { group: r.group, version: r.version });
  return [...seen.values()];
}
