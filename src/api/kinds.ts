/**
 * The Kubernetes kinds hostpod knows, and where each pod-creating kind keeps its pod template:
 * the catalogue `hostpod lint` resolves objects against, and that the control plane's resource
 * definitions take their scope from (src/controlplane/resources/definition.ts).
 */

/** A kind that creates pods: a Pod itself, or a workload with a pod template. */
export interface PodKind {
  kind: string;
  apiVersion: string;
  /** The REST resource, as admission and error messages name it (`daemonsets`). */
  resource: string;
  /** Path from the object to the pod template (empty for a Pod: the object is the pod). */
  templatePath: readonly string[];
}

const POD_KINDS: readonly PodKind[] = [
  { kind: 'Pod', resource: 'pods', apiVersion: 'v1', templatePath: [] },
  { kind: 'PodTemplate', resource: 'podtemplates', apiVersion: 'v1', templatePath: ['template'] },
  { kind: 'ReplicationController', resource: 'replicationcontrollers', apiVersion: 'v1', templatePath: ['spec', 'template'] },
  { kind: 'DaemonSet', resource: 'daemonsets', apiVersion: 'apps/v1', templatePath: ['spec', 'template'] },
  { kind: 'Deployment', resource: 'deployments', apiVersion: 'apps/v1', templatePath: ['spec', 'template'] },
  { kind: 'ReplicaSet', resource: 'replicasets', apiVersion: 'apps/v1', templatePath: ['spec', 'template'] },
  { kind: 'StatefulSet', resource: 'statefulsets', apiVersion: 'apps/v1', templatePath: ['spec', 'template'] },
  { kind: 'Job', resource: 'jobs', apiVersion: 'batch/v1', templatePath: ['spec', 'template'] },
  { kind: 'CronJob', resource: 'cronjobs', apiVersion: 'batch/v1', templatePath: ['spec', 'jobTemplate', 'spec', 'template'] },
];

/** Built-in kinds that create no pods: lint accepts and skips them. */
const OTHER_KINDS: Readonly<Record<string, readonly string[]>> = {
  v1: [
    'Binding', 'ConfigMap', 'Endpoints', 'Event', 'LimitRange', 'Namespace', 'Node', 'PersistentVolume',
    'PersistentVolumeClaim', 'ResourceQuota', 'Secret', 'Service', 'ServiceAccount',
  ],
  'apps/v1': ['ControllerRevision'],
  'batch/v1': [],
  'rbac.authorization.k8s.io/v1': ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  'authorization.k8s.io/v1': ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview'],
  'authentication.k8s.io/v1': ['SelfSubjectReview', 'TokenReview'],
  'networking.k8s.io/v1': ['Ingress', 'IngressClass', 'NetworkPolicy', 'IPAddress', 'ServiceCIDR'],
  'policy/v1': ['PodDisruptionBudget'],
  'storage.k8s.io/v1': ['CSIDriver', 'CSINode', 'CSIStorageCapacity', 'StorageClass', 'VolumeAttachment'],
  'scheduling.k8s.io/v1': ['PriorityClass'],
  'node.k8s.io/v1': ['RuntimeClass'],
  'coordination.k8s.io/v1': ['Lease'],
  'discovery.k8s.io/v1': ['EndpointSlice'],
  'autoscaling/v1': ['HorizontalPodAutoscaler'],
  'autoscaling/v2': ['HorizontalPodAutoscaler'],
  'apiextensions.k8s.io/v1': ['CustomResourceDefinition'],
  'admissionregistration.k8s.io/v1': [
    'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
    'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  ],
  'certificates.k8s.io/v1': ['CertificateSigningRequest'],
  'flowcontrol.apiserver.k8s.io/v1': ['FlowSchema', 'PriorityLevelConfiguration'],
  'events.k8s.io/v1': ['Event'],
  'apiregistration.k8s.io/v1': ['APIService'],
};

/** Built-in kinds that live outside namespaces. */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'CSIDriver', 'CSINode', 'StorageClass',
  'VolumeAttachment', 'PriorityClass', 'RuntimeClass', 'CustomResourceDefinition', 'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'CertificateSigningRequest',
  'FlowSchema', 'PriorityLevelConfiguration', 'APIService', 'IngressClass', 'IPAddress', 'ServiceCIDR',
  'SubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SelfSubjectReview', 'TokenReview',
]);

/** What an object's apiVersion and kind resolve to. */
export type KindResolution =
  | { type: 'pod'; info: PodKind }
  | { type: 'other'; namespaced: boolean }
  | { type: 'custom' }
  | { type: 'error'; field: 'apiVersion' | 'kind'; reason: 'missing' | 'no match'; message: string; hint?: string };

const BUILT_IN_GROUPS = new Set(
  [...Object.keys(OTHER_KINDS), ...POD_KINDS.map((k) => k.apiVersion), 'extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2', 'batch/v1beta1']
    .map(groupOf),
);

/** The API group of an apiVersion: '' for `v1`, `apps` for `apps/v1`. */
/** Whether Kubernetes itself serves the group (not a custom resource's or an aggregated API's). */
export function isBuiltInGroup(group: string): boolean {
  return BUILT_IN_GROUPS.has(group);
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/**
 * Resolves an object's `apiVersion` and `kind` the way the API server's REST mapping would.
 * Kinds of groups Kubernetes does not build in (custom resources) resolve to `custom`.
 */
export function resolveKind(apiVersion: unknown, kind: unknown): KindResolution {
  const missing = [
    ...(typeof apiVersion === 'string' && apiVersion !== '' ? [] : ['apiVersion']),
    ...(typeof kind === 'string' && kind !== '' ? [] : ['kind']),
  ];
  if (missing.length > 0) {
    return {
      type: 'error', field: missing[0] === 'apiVersion' ? 'apiVersion' : 'kind', reason: 'missing',
      message: `${missing.map((f) => `${f} not set`).join(', ')}`,
      hint: 'every object needs apiVersion and kind, for example "apiVersion: v1" and "kind: Pod"',
    };
  }
  const version = apiVersion as string;
  const name = kind as string;
  const pod = POD_KINDS.find((k) => k.kind === name && k.apiVersion === version);
  if (pod) return { type: 'pod', info: pod };
  if (OTHER_KINDS[version]?.includes(name)) return { type: 'other', namespaced: !CLUSTER_SCOPED.has(name) };
  // Custom resources live in groups with a dot (CRD groups must be domain names); a group
  // without one that Kubernetes does not serve is a typo, such as app/v1 for apps/v1.
  const group = groupOf(version);
  if (!BUILT_IN_GROUPS.has(group) && group.includes('.')) return { type: 'custom' };

  const noMatch = { type: 'error', field: 'kind', reason: 'no match', message: `no matches for kind "${name}" in version "${version}"` } as const;
  const sameKind = [...POD_KINDS.filter((k) => k.kind === name).map((k) => k.apiVersion),
    ...Object.entries(OTHER_KINDS).filter(([, kinds]) => kinds.includes(name)).map(([v]) => v)];
  if (sameKind.length > 0) return { ...noMatch, hint: `${name} is served as apiVersion ${sameKind.join(' or ')}` };
  const lower = name.toLowerCase();
  const similar = [...POD_KINDS.map((k) => k.kind), ...Object.values(OTHER_KINDS).flat()].find((k) => k.toLowerCase() === lower);
  if (similar) return { ...noMatch, hint: `kinds are case-sensitive: did you mean "${similar}"?` };
  return { ...noMatch, hint: 'hostpod knows the built-in Kubernetes kinds; check the spelling of kind and apiVersion' };
}
