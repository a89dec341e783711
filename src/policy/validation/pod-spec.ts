/**
 * A pod spec, wherever it appears (a Pod's `spec`, a workload's `spec.template.spec`), in the
 * order of the API server's ValidatePodSpec so errors come out as a real cluster lists them.
 */
import type { V1PodSpec } from '@kubernetes/client-node';
import { visitContainers } from '../containers.js';
import { duplicate, invalid, notSupported, required, type FieldError, type FieldPath } from '../field.js';
import { validateContainer } from './container.js';
import { validateHostProcess } from './host-process.js';
import { validatePodOS } from './pod-os.js';
import { validateVolumes } from './volumes.js';
import { validateWindowsOptions } from './windows-options.js';

export interface PodSpecOptions {
  /** kube-apiserver's --allow-privileged. */
  allowPrivileged: boolean;
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

export function validatePodSpec(spec: V1PodSpec, path: FieldPath, options: PodSpecOptions): FieldError[] {
  const errors: FieldError[] = [];
  const volumes = validateVolumes(spec.volumes, path.child('volumes'));
  errors.push(...volumes.errors);

  if (!spec.containers || spec.containers.length === 0) errors.push(required(path.child('containers')));
  const seen = new Set<string>();
  for (const { container, type, path: p } of visitContainers(spec, path, ['containers', 'initContainers', 'ephemeralContainers'])) {
    errors.push(...validateContainer(container, p, { type, volumes: volumes.names, allowPrivileged: options.allowPrivileged }));
    const name = container.name ?? '';
    // Upstream keeps an empty regular-container name in the set (a second one is a duplicate)
    // but not an empty init or ephemeral name.
    if (seen.has(name) && (name !== '' || type === 'containers')) errors.push(duplicate(p.child('name'), name));
    if (name !== '' || type === 'containers') seen.add(name);
  }

  if (spec.hostNetwork === true) errors.push(...validateHostNetworkPorts(spec, path));
  if (spec.restartPolicy !== undefined && spec.restartPolicy !== null) {
    if (spec.restartPolicy === '') errors.push(required(path.child('restartPolicy')));
    else if (!RESTART_POLICIES.includes(spec.restartPolicy)) errors.push(notSupported(path.child('restartPolicy'), spec.restartPolicy, RESTART_POLICIES));
  }
  if (spec.dnsPolicy && !DNS_POLICIES.includes(spec.dnsPolicy)) {
    errors.push(notSupported(path.child('dnsPolicy'), spec.dnsPolicy, DNS_POLICIES));
  }
  const sc = spec.securityContext;
  if (sc) {
    if (spec.shareProcessNamespace === true && spec.hostPID === true) {
      errors.push(invalid(path.child('shareProcessNamespace'), true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
    }
    errors.push(...validateWindowsOptions(sc.windowsOptions, path.child('securityContext', 'windowsOptions')));
  }
  errors.push(...validateHostProcess(spec, path, options));
  errors.push(...validatePodOS(spec, path));
  return errors;
}

// With the host network a container's port is a port of the host, so hostPort and containerPort
// must agree (an unset hostPort is defaulted to the containerPort).
function validateHostNetworkPorts(spec: V1PodSpec, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  (spec.containers ?? []).forEach((container, i) => {
    (container.ports ?? []).forEach((port, j) => {
      if (port.hostPort && port.hostPort !== port.containerPort) {
        errors.push(invalid(path.child('containers').index(i).child('ports').index(j).child('hostPort'), port.hostPort,
          'must match `containerPort` when `hostNetwork` is true'));
      }
    });
  });
  return errors;
}
