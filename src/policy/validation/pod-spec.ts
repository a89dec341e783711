/**
 * A pod spec, wherever it appears (a Pod's `spec`, a workload's `spec.template.spec`), in the
 * order of the API server's ValidatePodSpec so errors come out as a real cluster lists them.
 * The spec is expected as the API server validates it: defaulted (see src/api/defaults).
 */
import type { V1PodSpec } from '@kubernetes/client-node';
import { duplicate, forbidden, invalid, notFound, notSupported, required, type FieldError, type FieldPath } from '../field.js';
import { validateContainer, type ContainerContext } from './container.js';
import { validateHostProcess } from './host-process.js';
import { validateLabels } from './metadata.js';
import { isDNS1123Label, isDNS1123Subdomain } from './names.js';
import { validatePodOS } from './pod-os.js';
import { validatePodSecurityContext } from './pod-security-context.js';
import { hostPortConflicts, validateHostNetworkPorts } from './ports.js';
import { validateTolerations } from './tolerations.js';
import { validateVolumes } from './volumes.js';

export interface PodSpecOptions {
  /** kube-apiserver's --allow-privileged. */
  allowPrivileged: boolean;
  /** Whether the spec is a Pod's (not a template's): a Pod's host network ports are defaulted. */
  isPod?: boolean;
  /** The Pod's name, which its ephemeral volumes' claims are named after. */
  podName?: string;
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

export function validatePodSpec(spec: V1PodSpec, path: FieldPath, options: PodSpecOptions): FieldError[] {
  const errors: FieldError[] = [];
  const volumes = validateVolumes(spec.volumes, path.child('volumes'), options.isPod ? { name: options.podName ?? '' } : undefined);
  errors.push(...volumes.errors);
  const context = (type: ContainerContext['type']): ContainerContext => ({
    type, volumes: volumes.names, allowPrivileged: options.allowPrivileged, hostUsers: spec.hostUsers !== false,
    ...(typeof spec.terminationGracePeriodSeconds === 'number' ? { gracePeriod: spec.terminationGracePeriodSeconds } : {}),
  });

  const containers = spec.containers ?? [];
  const initContainers = spec.initContainers ?? [];
  // Regular containers: names unique among them (an empty name counts too).
  if (containers.length === 0) errors.push(required(path.child('containers')));
  const names = new Set<string>();
  containers.forEach((container, i) => {
    const p = path.child('containers').index(i);
    errors.push(...validateContainer(container, p, context('containers')));
    const name = container.name ?? '';
    if (names.has(name)) errors.push(duplicate(p.child('name'), name));
    names.add(name);
  });
  errors.push(...hostPortConflicts(containers, path.child('containers')));
  // Init containers: names unique among all; each one's host ports on their own, as it runs alone.
  initContainers.forEach((container, i) => {
    const p = path.child('initContainers').index(i);
    errors.push(...validateContainer(container, p, context('initContainers')));
    const name = container.name ?? '';
    if (names.has(name)) errors.push(duplicate(p.child('name'), name));
    else if (name !== '') names.add(name);
    errors.push(...hostPortConflicts([container], path.child('initContainers')));
  });
  errors.push(...validateEphemeralContainers(spec, path, context('ephemeralContainers'), names));

  errors.push(...validateHostNetworkPorts(spec, path, options.isPod ?? false));
  // Unset policies are defaulted before validation.
  if (typeof spec.restartPolicy === 'string' && spec.restartPolicy !== '' && !RESTART_POLICIES.includes(spec.restartPolicy)) {
    errors.push(notSupported(path.child('restartPolicy'), spec.restartPolicy, RESTART_POLICIES));
  }
  if (spec.dnsPolicy && !DNS_POLICIES.includes(spec.dnsPolicy)) {
    errors.push(notSupported(path.child('dnsPolicy'), spec.dnsPolicy, DNS_POLICIES));
  }
  errors.push(...validateLabels(spec.nodeSelector, path.child('nodeSelector')));
  errors.push(...validatePodSecurityContext(spec, path));
  errors.push(...validateHostProcess(spec, path, options));
  errors.push(...validateHostUsers(spec, path));
  const deadline = spec.activeDeadlineSeconds;
  if (typeof deadline === 'number' && (deadline < 1 || deadline > 2147483647)) {
    errors.push(invalid(path.child('activeDeadlineSeconds'), deadline, 'must be between 1 and 2147483647, inclusive'));
  }
  for (const key of ['hostname', 'subdomain'] as const) {
    const value = spec[key];
    if (value) for (const message of isDNS1123Label(value)) errors.push(invalid(path.child(key), value, message));
  }
  errors.push(...validateTolerations(spec.tolerations, path.child('tolerations')));
  if (spec.priorityClassName) {
    for (const message of isDNS1123Subdomain(spec.priorityClassName)) errors.push(invalid(path.child('priorityClassName'), spec.priorityClassName, message));
  }
  errors.push(...validatePodOS(spec, path));
  return errors;
}

function validateEphemeralContainers(spec: V1PodSpec, path: FieldPath, context: ContainerContext, names: ReadonlySet<string>): FieldError[] {
  const errors: FieldError[] = [];
  const others = new Set(names);
  const all = new Set(names);
  (spec.ephemeralContainers ?? []).forEach((container, i) => {
    const p = path.child('ephemeralContainers').index(i);
    errors.push(...validateContainer(container, p, context));
    const name = container.name ?? '';
    if (all.has(name)) errors.push(duplicate(p.child('name'), name));
    all.add(name);
    if (container.targetContainerName && !others.has(container.targetContainerName)) {
      errors.push(notFound(p.child('targetContainerName'), container.targetContainerName));
    }
  });
  return errors;
}

// A user namespace cannot be combined with the host's other namespaces (validateHostUsers; the
// host network only with the alpha UserNamespacesHostNetworkSupport, off by default). Upstream
// names the PID and IPC fields with capitals.
function validateHostUsers(spec: V1PodSpec, path: FieldPath): FieldError[] {
  if (spec.hostUsers !== false) return [];
  const errors: FieldError[] = [];
  if (spec.hostNetwork === true) errors.push(forbidden(path.child('hostNetwork'), 'when `hostUsers` is false'));
  if (spec.hostPID === true) errors.push(forbidden(path.child('HostPID'), 'when `hostUsers` is false'));
  if (spec.hostIPC === true) errors.push(forbidden(path.child('HostIPC'), 'when `hostUsers` is false'));
  return errors;
}
