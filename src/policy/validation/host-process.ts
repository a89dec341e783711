/**
 * The API server's HostProcess rules (validateWindowsHostProcessPod): a container's effective
 * hostProcess value is its own, else the pod's; pod and container must agree where both are set;
 * a pod with any HostProcess container must be all HostProcess and use the host network; and a
 * cluster that does not allow privileged containers refuses them.
 */
import type { V1PodSpec } from '@kubernetes/client-node';
import { visitContainers } from '../containers.js';
import { forbidden, invalid, type FieldError, type FieldPath } from '../field.js';

export interface HostProcessOptions {
  /** kube-apiserver's --allow-privileged. */
  allowPrivileged: boolean;
}

/** The hostProcess value a container ends up with: its own, else the pod's, else undefined. */
export function effectiveHostProcess(spec: V1PodSpec, container: { securityContext?: { windowsOptions?: { hostProcess?: boolean } } }): boolean | undefined {
  return container.securityContext?.windowsOptions?.hostProcess ?? spec.securityContext?.windowsOptions?.hostProcess;
}

/** Whether any container of the pod is a HostProcess container. */
export function isHostProcessPod(spec: V1PodSpec): boolean {
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  return containers.some((c) => effectiveHostProcess(spec, c) === true);
}

/** Validates the HostProcess rules of a pod spec found at `path` (`spec`, `spec.template.spec`, ...). */
export function validateHostProcess(spec: V1PodSpec, path: FieldPath, options: HostProcessOptions): FieldError[] {
  const errors: FieldError[] = [];
  const podValue = spec.securityContext?.windowsOptions?.hostProcess ?? undefined;
  let containerCount = 0;
  let hostProcessCount = 0;
  for (const { container, path: containerPath } of visitContainers(spec, path)) {
    containerCount++;
    const own = container.securityContext?.windowsOptions?.hostProcess ?? undefined;
    if (typeof podValue === 'boolean' && typeof own === 'boolean' && podValue !== own) {
      errors.push(invalid(
        containerPath.child('securityContext', 'windowsOptions', 'hostProcess'),
        own,
        `pod hostProcess value must be identical if both are specified, was ${String(podValue)}`,
      ));
    }
    // An explicit false never counts, even under a pod-level true.
    if (own === true || (own === undefined && podValue === true)) hostProcessCount++;
  }
  if (hostProcessCount === 0) return errors;
  if (hostProcessCount !== containerCount) {
    errors.push(invalid(path, '', 'If pod contains any hostProcess containers then all containers must be HostProcess containers'));
  }
  if (spec.hostNetwork !== true) {
    errors.push(invalid(path.child('hostNetwork'), false, 'hostNetwork must be true if pod contains any hostProcess containers'));
  }
  if (!options.allowPrivileged) {
    errors.push(forbidden(path, 'hostProcess containers are disallowed by cluster policy'));
  }
  return errors;
}
