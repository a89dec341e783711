/**
 * The warnings the API server sends back with a pod or pod template it accepts
 * (warningsForPodSpecAndMeta): deprecated node labels, annotations and volume types, seccomp
 * annotations without their field, repeated or empty image pull secrets, fractional byte
 * quantities, hidden env definitions, and ports that repeat each other. A Pod's AppArmor annotations are warned about as its create syncs them
 * to fields (applyAppArmorVersionSkew), a template's here.
 */
import type { V1ContainerPort, V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import { exactQuantity } from '../../api/defaults/index.js';
import { parseQuantity } from '../../api/quantity.js';
import { visitContainers } from '../containers.js';
import { FieldPath, goQuote } from '../field.js';
import { appArmorAnnotationWarnings } from './app-armor-annotations.js';
import { SECCOMP_CONTAINER_ANNOTATION_PREFIX, SECCOMP_POD_ANNOTATION } from './security-annotations.js';

const DEPRECATED_NODE_LABELS: Readonly<Record<string, string>> = {
  'beta.kubernetes.io/arch': 'deprecated since v1.14; use "kubernetes.io/arch" instead',
  'beta.kubernetes.io/os': 'deprecated since v1.14; use "kubernetes.io/os" instead',
  'failure-domain.beta.kubernetes.io/region': 'deprecated since v1.17; use "topology.kubernetes.io/region" instead',
  'failure-domain.beta.kubernetes.io/zone': 'deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
  'beta.kubernetes.io/instance-type': 'deprecated since v1.17; use "node.kubernetes.io/instance-type" instead',
  'app.kubernetes.io/created-by': 'deprecated since v1.9',
  'scheduler.alpha.kubernetes.io/preferAvoidPods': 'deprecated since v1.22; use Taints and Tolerations instead',
  'node-role.kubernetes.io/master': 'use "node-role.kubernetes.io/control-plane" instead',
};

const DEPRECATED_ANNOTATIONS: readonly [string, string][] = [
  ['scheduler.alpha.kubernetes.io/critical-pod', 'non-functional in v1.16+; use the "priorityClassName" field instead'],
  ['security.alpha.kubernetes.io/sysctls', 'non-functional in v1.11+; use the "sysctls" field instead'],
  ['security.alpha.kubernetes.io/unsafe-sysctls', 'non-functional in v1.11+; use the "sysctls" field instead'],
];

// The JSON field, the name upstream's warning uses for it, and what it says.
const DEPRECATED_VOLUMES: readonly [string, string, string][] = [
  ['photonPersistentDisk', 'photonPersistentDisk', 'deprecated in v1.11, non-functional in v1.16+'],
  // GitRepoVolumeDriver is off, and locked off since v1.36.
  ['gitRepo', 'gitRepo', 'deprecated in v1.11, and disabled by default in v1.33+'],
  ['scaleIO', 'scaleIO', 'deprecated in v1.16, non-functional in v1.22+'],
  ['flocker', 'flocker', 'deprecated in v1.22, non-functional in v1.25+'],
  ['storageos', 'storageOS', 'deprecated in v1.22, non-functional in v1.25+'],
  ['quobyte', 'quobyte', 'deprecated in v1.22, non-functional in v1.25+'],
  ['glusterfs', 'glusterfs', 'deprecated in v1.25, non-functional in v1.26+'],
  ['cephfs', 'cephfs', 'deprecated in v1.28, non-functional in v1.31+'],
  ['rbd', 'rbd', 'deprecated in v1.28, non-functional in v1.31+'],
];

const NON_FUNCTIONAL_SECCOMP = 'non-functional in v1.27+; use the "seccompProfile" field instead';

/** `value` when it is a memory or storage quantity with a fraction of a byte. */
function fractionalBytes(value: unknown): string | undefined {
  const exact = exactQuantity(value);
  if (!exact) return undefined;
  // MilliValue rounds up.
  const millis = exact.nanos / 1_000_000n + (exact.nanos % 1_000_000n > 0n ? 1n : 0n);
  if (millis % 1000n === 0n) return undefined;
  const parsed = parseQuantity(value);
  return 'error' in parsed ? undefined : parsed.canonical;
}

function portWarnings(spec: V1PodSpec, specPath: FieldPath): string[] {
  const warnings: string[] = [];
  const byPort = new Map<string, { field: string; port: V1ContainerPort }[]>();
  const byName = new Map<string, string>();
  for (const { container, path } of visitContainers(spec, specPath)) {
    (container.ports ?? []).forEach((port, i) => {
      const field = path.child('ports').index(i).toString();
      const key = `${port.containerPort}/${port.protocol ?? ''}`;
      const others = byPort.get(key) ?? [];
      for (const other of others) {
        const hostIP = port.hostIP ?? '';
        const otherIP = other.port.hostIP ?? '';
        const hostPort = port.hostPort ?? 0;
        const otherPort = other.port.hostPort ?? 0;
        if (hostIP === otherIP && hostPort === otherPort) warnings.push(`${field}: duplicate port definition with ${other.field}`);
        else if (hostPort === 0 || otherPort === 0) warnings.push(`${field}: overlapping port definition with ${other.field}`);
        else if (hostPort === otherPort && (hostIP === '') !== (otherIP === '')) warnings.push(`${field}: dangerously ambiguous port definition with ${other.field}`);
      }
      byPort.set(key, [...others, { field, port }]);
    });
  }
  for (const { container, path } of visitContainers(spec, specPath)) {
    (container.ports ?? []).forEach((port, i) => {
      if (!port.name) return;
      const field = path.child('ports').index(i).toString();
      const other = byName.get(port.name);
      if (other) warnings.push(`${field}: duplicate port name ${goQuote(port.name)} with ${other}, services and probes that select ports by name will use ${other}`);
      else byName.set(port.name, field);
    });
  }
  return warnings;
}

/**
 * The warnings for the defaulted pod or template at `templatePath` (empty for a Pod): its
 * metadata and spec.
 */
export function podWarnings(meta: V1ObjectMeta, spec: V1PodSpec, templatePath: readonly string[]): string[] {
  const warnings: string[] = [];
  const at = (...names: string[]): FieldPath => FieldPath.of([...templatePath, ...names]);
  const annotations = meta.annotations ?? {};
  for (const key of Object.keys(spec.nodeSelector ?? {})) {
    const message = DEPRECATED_NODE_LABELS[key];
    if (message) warnings.push(`${at('spec', 'nodeSelector').key(key).toString()}: ${message}`);
  }
  for (const [key, message] of DEPRECATED_ANNOTATIONS) {
    if (key in annotations) warnings.push(`${at('metadata', 'annotations').key(key).toString()}: ${message}`);
  }
  (spec.volumes ?? []).forEach((volume, i) => {
    for (const [json, name, message] of DEPRECATED_VOLUMES) {
      const source = (volume as unknown as Record<string, unknown>)[json];
      if (source !== undefined && source !== null) warnings.push(`${at('spec', 'volumes').index(i).child(name).toString()}: ${message}`);
    }
  });
  const pullSecrets = spec.imagePullSecrets ?? [];
  const secretNames = new Set<string>();
  pullSecrets.forEach((secret, i) => {
    const name = secret.name ?? '';
    if (pullSecrets.length > 1 && secretNames.has(name)) warnings.push(`${at('spec', 'imagePullSecrets').index(i).child('name').toString()}: duplicate name ${goQuote(name)}`);
    secretNames.add(name);
  });
  pullSecrets.forEach((secret, i) => {
    if (!secret.name) warnings.push(`${at('spec', 'imagePullSecrets').index(i).child('name').toString()}: invalid empty name ""`);
  });
  if (!spec.securityContext?.seccompProfile && SECCOMP_POD_ANNOTATION in annotations) {
    warnings.push(`${at('metadata', 'annotations').key(SECCOMP_POD_ANNOTATION).toString()}: ${NON_FUNCTIONAL_SECCOMP}`);
  }
  for (const { container, path } of visitContainers(spec, at('spec'))) {
    const seccompKey = `${SECCOMP_CONTAINER_ANNOTATION_PREFIX}${container.name}`;
    if (!container.securityContext?.seccompProfile && seccompKey in annotations) {
      warnings.push(`${at('metadata', 'annotations').key(seccompKey).toString()}: ${NON_FUNCTIONAL_SECCOMP}`);
    }
    if (templatePath.length > 0) warnings.push(...appArmorAnnotationWarnings(meta, spec, container, at('metadata', 'annotations'), 'template'));
    for (const kind of ['limits', 'requests'] as const) {
      const list = (container.resources?.[kind] ?? {}) as Record<string, unknown>;
      for (const resource of ['memory', 'ephemeral-storage']) {
        const fractional = resource in list ? fractionalBytes(list[resource]) : undefined;
        if (fractional !== undefined) {
          warnings.push(`${path.child('resources', kind).key(resource).toString()}: fractional byte value ${goQuote(fractional)} is invalid, must be an integer`);
        }
      }
    }
    const seen = new Set<string>();
    (container.env ?? []).forEach((env, i) => {
      if (!seen.has(env.name)) {
        seen.add(env.name);
        return;
      }
      const ref = `$(${env.name})`;
      const value = env.value ?? '';
      if (env.valueFrom || value === ref || !value.includes(ref)) {
        warnings.push(`${path.child('env').index(i).toString()}: hides previous definition of ${goQuote(env.name)}, which may be dropped when using apply`);
      }
    });
  }
  warnings.push(...portWarnings(spec, at('spec')));
  if (typeof spec.terminationGracePeriodSeconds === 'number' && spec.terminationGracePeriodSeconds < 0) {
    warnings.push(`${at('spec', 'terminationGracePeriodSeconds').toString()}: must be >= 0; negative values are invalid and will be treated as 1`);
  }
  return warnings;
}
