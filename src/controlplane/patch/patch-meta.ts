/**
 * Strategic-merge patch metadata for the kinds hostpod serves: the `patchStrategy` and
 * `patchMergeKey` struct tags of the Kubernetes Go types (k8s.io/api core/v1, apps/v1,
 * coordination/v1, and apimachinery meta/v1), plus which fields hold structs, maps and lists,
 * which is what kube-apiserver's decoder checks after a strategic merge. Each resource's
 * definition names its kind's type here as its `patchMeta`.
 *
 * Fields not listed merge as unannotated fields do: objects key by key, lists replaced whole.
 * Only fields whose behaviour differs from that, or whose shape is worth checking, are listed.
 */

/** A Go type as far as patching cares: a struct with fields, a map, or a list. */
export interface TypeMeta {
  readonly name: string;
  readonly kind: 'struct' | 'map' | 'list';
  readonly fields?: Readonly<Record<string, FieldMeta>>;
  /** The list item or map value type; absent for scalars. */
  readonly elem?: TypeMeta;
}

/** A struct field: its type (absent for scalars) and its patch tags, verbatim. */
export interface FieldMeta {
  readonly type?: TypeMeta;
  /** e.g. 'merge', 'merge,retainKeys', 'retainKeys', 'replace'. */
  readonly patchStrategy?: string;
  readonly patchMergeKey?: string;
}

function struct(name: string, fields: Record<string, FieldMeta> = {}): TypeMeta {
  return { name, kind: 'struct', fields };
}
function listOf(elem?: TypeMeta): TypeMeta {
  return elem ? { name: `[]${elem.name}`, kind: 'list', elem } : { name: '[]string', kind: 'list' };
}
function mapOf(elem?: TypeMeta): TypeMeta {
  return elem ? { name: `map[string]${elem.name}`, kind: 'map', elem } : { name: 'map[string]string', kind: 'map' };
}
const of = (type: TypeMeta): FieldMeta => ({ type });
/** A list without patch tags: replaced whole. */
const atomic = (elem?: TypeMeta): FieldMeta => ({ type: listOf(elem) });
/** `patchStrategy:"merge"` on a list of scalars: a set union. */
const scalarSet = (): FieldMeta => ({ type: listOf(), patchStrategy: 'merge' });
const mergedBy = (patchMergeKey: string, elem: TypeMeta, patchStrategy = 'merge'): FieldMeta => ({ type: listOf(elem), patchStrategy, patchMergeKey });
const stringMap = (): FieldMeta => ({ type: mapOf() });

// meta/v1
const OwnerReference = struct('OwnerReference');
const ObjectMeta = struct('ObjectMeta', {
  labels: stringMap(),
  annotations: stringMap(),
  ownerReferences: mergedBy('uid', OwnerReference),
  finalizers: scalarSet(),
  managedFields: atomic(struct('ManagedFieldsEntry')),
});
const LabelSelector = struct('LabelSelector', {
  matchLabels: stringMap(),
  matchExpressions: atomic(struct('LabelSelectorRequirement', { values: atomic() })),
});

// core/v1: shared pieces
const ObjectReference = struct('ObjectReference');
const LocalObjectReference = struct('LocalObjectReference');
const ResourceRequirements = struct('ResourceRequirements', {
  limits: stringMap(),
  requests: stringMap(),
  claims: atomic(struct('ResourceClaim')),
});
const KeyToPath = struct('KeyToPath');
const ExecAction = struct('ExecAction', { command: atomic() });
const HTTPGetAction = struct('HTTPGetAction', { httpHeaders: atomic(struct('HTTPHeader')) });
const TCPSocketAction = struct('TCPSocketAction');
const Probe = struct('Probe', { exec: of(ExecAction), httpGet: of(HTTPGetAction), tcpSocket: of(TCPSocketAction), grpc: of(struct('GRPCAction')) });
const LifecycleHandler = struct('LifecycleHandler', { exec: of(ExecAction), httpGet: of(HTTPGetAction), tcpSocket: of(TCPSocketAction), sleep: of(struct('SleepAction')) });
const SecurityContext = struct('SecurityContext', {
  capabilities: of(struct('Capabilities', { add: atomic(), drop: atomic() })),
  seLinuxOptions: of(struct('SELinuxOptions')),
  windowsOptions: of(struct('WindowsSecurityContextOptions')),
  seccompProfile: of(struct('SeccompProfile')),
  appArmorProfile: of(struct('AppArmorProfile')),
});

// core/v1 Container and EphemeralContainer (EphemeralContainerCommon carries the same tags)
const containerFields: Record<string, FieldMeta> = {
  command: atomic(),
  args: atomic(),
  ports: mergedBy('containerPort', struct('ContainerPort')),
  envFrom: atomic(struct('EnvFromSource', { configMapRef: of(struct('ConfigMapEnvSource')), secretRef: of(struct('SecretEnvSource')) })),
  env: mergedBy('name', struct('EnvVar', { valueFrom: of(struct('EnvVarSource')) })),
  resources: of(ResourceRequirements),
  resizePolicy: atomic(struct('ContainerResizePolicy')),
  volumeMounts: mergedBy('mountPath', struct('VolumeMount')),
  volumeDevices: mergedBy('devicePath', struct('VolumeDevice')),
  livenessProbe: of(Probe),
  readinessProbe: of(Probe),
  startupProbe: of(Probe),
  lifecycle: of(struct('Lifecycle', { postStart: of(LifecycleHandler), preStop: of(LifecycleHandler) })),
  securityContext: of(SecurityContext),
};
const Container = struct('Container', containerFields);
const EphemeralContainer = struct('EphemeralContainer', containerFields);

// core/v1 Volume: VolumeSource is inlined, so its members are the volume's own fields
const Volume = struct('Volume', {
  hostPath: of(struct('HostPathVolumeSource')),
  emptyDir: of(struct('EmptyDirVolumeSource')),
  secret: of(struct('SecretVolumeSource', { items: atomic(KeyToPath) })),
  configMap: of(struct('ConfigMapVolumeSource', { items: atomic(KeyToPath) })),
  downwardAPI: of(struct('DownwardAPIVolumeSource', { items: atomic(struct('DownwardAPIVolumeFile')) })),
  projected: of(struct('ProjectedVolumeSource', { sources: atomic(struct('VolumeProjection')) })),
  persistentVolumeClaim: of(struct('PersistentVolumeClaimVolumeSource')),
  csi: of(struct('CSIVolumeSource', { volumeAttributes: stringMap() })),
  ephemeral: of(struct('EphemeralVolumeSource')),
  nfs: of(struct('NFSVolumeSource')),
  image: of(struct('ImageVolumeSource')),
});

const PodSpec = struct('PodSpec', {
  volumes: mergedBy('name', Volume, 'merge,retainKeys'),
  initContainers: mergedBy('name', Container),
  containers: mergedBy('name', Container),
  ephemeralContainers: mergedBy('name', EphemeralContainer),
  nodeSelector: stringMap(),
  securityContext: of(struct('PodSecurityContext', {
    supplementalGroups: atomic(),
    sysctls: atomic(struct('Sysctl')),
    seLinuxOptions: of(struct('SELinuxOptions')),
    windowsOptions: of(struct('WindowsSecurityContextOptions')),
    seccompProfile: of(struct('SeccompProfile')),
    appArmorProfile: of(struct('AppArmorProfile')),
  })),
  imagePullSecrets: mergedBy('name', LocalObjectReference),
  affinity: of(struct('Affinity', {
    nodeAffinity: of(struct('NodeAffinity')),
    podAffinity: of(struct('PodAffinity')),
    podAntiAffinity: of(struct('PodAntiAffinity')),
  })),
  tolerations: atomic(struct('Toleration')),
  hostAliases: mergedBy('ip', struct('HostAlias', { hostnames: atomic() })),
  dnsConfig: of(struct('PodDNSConfig', { nameservers: atomic(), searches: atomic(), options: atomic(struct('PodDNSConfigOption')) })),
  readinessGates: atomic(struct('PodReadinessGate')),
  overhead: stringMap(),
  topologySpreadConstraints: mergedBy('topologyKey', struct('TopologySpreadConstraint', { labelSelector: of(LabelSelector), matchLabelKeys: atomic() })),
  os: of(struct('PodOS')),
  schedulingGates: mergedBy('name', struct('PodSchedulingGate')),
  resourceClaims: mergedBy('name', struct('PodResourceClaim'), 'merge,retainKeys'),
  resources: of(ResourceRequirements),
});

const ContainerStatus = struct('ContainerStatus', {
  state: of(struct('ContainerState')),
  lastState: of(struct('ContainerState')),
  allocatedResources: stringMap(),
  resources: of(ResourceRequirements),
});
const PodStatus = struct('PodStatus', {
  conditions: mergedBy('type', struct('PodCondition')),
  podIPs: mergedBy('ip', struct('PodIP')),
  hostIPs: mergedBy('ip', struct('HostIP')),
  initContainerStatuses: atomic(ContainerStatus),
  containerStatuses: atomic(ContainerStatus),
  ephemeralContainerStatuses: atomic(ContainerStatus),
  resourceClaimStatuses: mergedBy('name', struct('PodResourceClaimStatus'), 'merge,retainKeys'),
});

const PodTemplateSpec = struct('PodTemplateSpec', { metadata: of(ObjectMeta), spec: of(PodSpec) });

function kind(name: string, fields: Record<string, FieldMeta> = {}): TypeMeta {
  return struct(name, { metadata: of(ObjectMeta), ...fields });
}

export const Pod = kind('Pod', { spec: of(PodSpec), status: of(PodStatus) });

export const Node = kind('Node', {
  spec: of(struct('NodeSpec', {
    podCIDRs: scalarSet(),
    taints: atomic(struct('Taint')),
    configSource: of(struct('NodeConfigSource')),
  })),
  status: of(struct('NodeStatus', {
    capacity: stringMap(),
    allocatable: stringMap(),
    conditions: mergedBy('type', struct('NodeCondition')),
    addresses: mergedBy('type', struct('NodeAddress')),
    daemonEndpoints: of(struct('NodeDaemonEndpoints')),
    nodeInfo: of(struct('NodeSystemInfo')),
    images: atomic(struct('ContainerImage', { names: atomic() })),
    volumesInUse: atomic(),
    volumesAttached: atomic(struct('AttachedVolume')),
    config: of(struct('NodeConfigStatus')),
    runtimeHandlers: atomic(struct('NodeRuntimeHandler')),
    features: of(struct('NodeFeatures')),
  })),
});

export const Namespace = kind('Namespace', {
  spec: of(struct('NamespaceSpec', { finalizers: atomic() })),
  status: of(struct('NamespaceStatus', { conditions: mergedBy('type', struct('NamespaceCondition')) })),
});

export const ServiceAccount = kind('ServiceAccount', {
  secrets: mergedBy('name', ObjectReference),
  // Unlike PodSpec's, ServiceAccount's imagePullSecrets carries no patch tags.
  imagePullSecrets: atomic(LocalObjectReference),
});

export const ConfigMap = kind('ConfigMap', { data: stringMap(), binaryData: stringMap() });
export const Secret = kind('Secret', { data: stringMap(), stringData: stringMap() });

/** core/v1 Event (events.k8s.io/v1's Event has other fields: regarding, deprecatedSource). */
export const CoreEvent = kind('Event', {
  involvedObject: of(ObjectReference),
  source: of(struct('EventSource')),
  series: of(struct('EventSeries')),
  related: of(ObjectReference),
});

export const DaemonSet = kind('DaemonSet', {
  spec: of(struct('DaemonSetSpec', {
    selector: of(LabelSelector),
    template: of(PodTemplateSpec),
    updateStrategy: of(struct('DaemonSetUpdateStrategy', { rollingUpdate: of(struct('RollingUpdateDaemonSet')) })),
  })),
  status: of(struct('DaemonSetStatus', { conditions: mergedBy('type', struct('DaemonSetCondition')) })),
});

export const Deployment = kind('Deployment', {
  spec: of(struct('DeploymentSpec', {
    selector: of(LabelSelector),
    template: of(PodTemplateSpec),
    strategy: { type: struct('DeploymentStrategy', { rollingUpdate: of(struct('RollingUpdateDeployment')) }), patchStrategy: 'retainKeys' },
  })),
  status: of(struct('DeploymentStatus', { conditions: mergedBy('type', struct('DeploymentCondition')) })),
});

export const ReplicaSet = kind('ReplicaSet', {
  spec: of(struct('ReplicaSetSpec', { selector: of(LabelSelector), template: of(PodTemplateSpec) })),
  status: of(struct('ReplicaSetStatus', { conditions: mergedBy('type', struct('ReplicaSetCondition')) })),
});

/** autoscaling/v1 Scale: no tagged fields beyond its metadata. */
export const Scale = kind('Scale', { spec: of(struct('ScaleSpec')), status: of(struct('ScaleStatus')) });

export const Lease = kind('Lease', { spec: of(struct('LeaseSpec')) });
export const CustomResourceDefinition = kind('CustomResourceDefinition');

/** apps/v1 ControllerRevision: its data is a RawExtension, which carries no patch tags. */
export const ControllerRevision = kind('ControllerRevision');

// rbac.authorization.k8s.io/v1: no patch tags; rules and subjects are replaced whole.
const PolicyRule = struct('PolicyRule', { verbs: atomic(), apiGroups: atomic(), resources: atomic(), resourceNames: atomic(), nonResourceURLs: atomic() });
const Subject = struct('Subject');
const RoleRef = struct('RoleRef');
export const Role = kind('Role', { rules: atomic(PolicyRule) });
export const ClusterRole = kind('ClusterRole', {
  rules: atomic(PolicyRule),
  aggregationRule: of(struct('AggregationRule', { clusterRoleSelectors: atomic(LabelSelector) })),
});
export const RoleBinding = kind('RoleBinding', { subjects: atomic(Subject), roleRef: of(RoleRef) });
export const ClusterRoleBinding = kind('ClusterRoleBinding', { subjects: atomic(Subject), roleRef: of(RoleRef) });
// batch/v1: a JobSpec's lists (pod failure policy rules, success policy rules) carry no patch tags.
const JobSpec = struct('JobSpec', {
  selector: of(LabelSelector),
  template: of(PodTemplateSpec),
  podFailurePolicy: of(struct('PodFailurePolicy', { rules: atomic(struct('PodFailurePolicyRule')) })),
  successPolicy: of(struct('SuccessPolicy', { rules: atomic(struct('SuccessPolicyRule')) })),
});

export const Job = kind('Job', {
  spec: of(JobSpec),
  status: of(struct('JobStatus', {
    conditions: mergedBy('type', struct('JobCondition')),
    uncountedTerminatedPods: of(struct('UncountedTerminatedPods', { succeeded: atomic(), failed: atomic() })),
  })),
});

export const CronJob = kind('CronJob', {
  spec: of(struct('CronJobSpec', { jobTemplate: of(struct('JobTemplateSpec', { metadata: of(ObjectMeta), spec: of(JobSpec) })) })),
  status: of(struct('CronJobStatus', { active: atomic(ObjectReference) })),
});

/** A struct's field, or a map's value type; undefined where the metadata does not say. */
export function fieldOf(type: TypeMeta | undefined, key: string): FieldMeta | undefined {
  if (type?.kind === 'struct') return type.fields && Object.hasOwn(type.fields, key) ? type.fields[key] : undefined;
  if (type?.kind === 'map') return type.elem ? { type: type.elem } : {};
  return undefined;
}

/** The patch strategy tag split as strategicpatch does: retainKeys apart from the list strategy. */
export function strategyOf(field: FieldMeta | undefined): { strategy: string; retainKeys: boolean } {
  const parts = field?.patchStrategy ? field.patchStrategy.split(',') : [];
  return { strategy: parts.find((part) => part !== 'retainKeys') ?? '', retainKeys: parts.includes('retainKeys') };
}

/** core/v1 Service: ports merge by port (their list map keys are port and protocol). */
export const Service = kind('Service', {
  spec: of(struct('ServiceSpec', {
    ports: mergedBy('port', struct('ServicePort')),
    selector: stringMap(),
    clusterIPs: atomic(),
    externalIPs: atomic(),
    loadBalancerSourceRanges: atomic(),
    ipFamilies: atomic(),
    sessionAffinityConfig: of(struct('SessionAffinityConfig', { clientIP: of(struct('ClientIPConfig')) })),
  })),
  status: of(struct('ServiceStatus', {
    loadBalancer: of(struct('LoadBalancerStatus', { ingress: atomic(struct('LoadBalancerIngress', { ports: atomic(struct('PortStatus')) })) })),
    conditions: mergedBy('type', struct('Condition')),
  })),
});

/** core/v1 Endpoints: its subsets carry no patch tags (replaced whole). */
export const Endpoints = kind('Endpoints', {
  subsets: atomic(struct('EndpointSubset', {
    addresses: atomic(struct('EndpointAddress', { targetRef: of(ObjectReference) })),
    notReadyAddresses: atomic(struct('EndpointAddress', { targetRef: of(ObjectReference) })),
    ports: atomic(struct('EndpointPort')),
  })),
});

/** discovery.k8s.io/v1 EndpointSlice: endpoints and ports are atomic lists. */
export const EndpointSlice = kind('EndpointSlice', {
  endpoints: atomic(struct('Endpoint', {
    addresses: atomic(),
    conditions: of(struct('EndpointConditions')),
    targetRef: of(ObjectReference),
    deprecatedTopology: stringMap(),
    hints: of(struct('EndpointHints', { forZones: atomic(struct('ForZone')), forNodes: atomic(struct('ForNode')) })),
  })),
  ports: atomic(struct('EndpointPort')),
});
