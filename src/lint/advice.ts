/**
 * HostProcess advice: what is legal but probably not what the user wants, said as warnings.
 */
import type { V1PodSpec } from '@kubernetes/client-node';
import { wellKnownAccount } from '../api/accounts.js';
import { visitContainers } from '../policy/containers.js';
import type { FieldPath } from '../policy/field.js';
import { effectiveHostProcess } from '../policy/validation/index.js';

/** The OS every hostpod node reports. */
export const HOSTPOD_NODE_OS = 'linux';

/** Advice for the HostProcess containers of a pod spec found at `specPath`. */
export function hostProcessAdvice(spec: V1PodSpec, specPath: FieldPath): string[] {
  const advice: string[] = [];
  const podUser = spec.securityContext?.windowsOptions?.runAsUserName ?? undefined;
  const podNonRoot = spec.securityContext?.runAsNonRoot ?? undefined;
  const unnamed: string[] = [];
  const system: string[] = [];
  for (const { container, path } of visitContainers(spec, specPath)) {
    if (effectiveHostProcess(spec, container) !== true) continue;
    const user = container.securityContext?.windowsOptions?.runAsUserName ?? podUser;
    if (user === undefined) {
      unnamed.push(container.name);
      continue;
    }
    if (wellKnownAccount(user) === 'LocalSystem') {
      system.push(container.name);
      if ((container.securityContext?.runAsNonRoot ?? podNonRoot) === true) {
        advice.push(`${path.child('securityContext').toString()}: runAsNonRoot is true but runAsUserName "${user}" runs as root; ` +
          'hostpod will refuse to start the container (CreateContainerConfigError): use "NT AUTHORITY\\Local service" or drop runAsNonRoot');
      }
    }
  }
  if (unnamed.length > 0) {
    advice.push(`${describeContainers(unnamed)} no runAsUserName: ${unnamed.length === 1 ? 'it runs' : 'they run'} as the image's user ` +
      `(an image without one cannot start); set ${specPath.child('securityContext', 'windowsOptions', 'runAsUserName').toString()}, ` +
      'preferably to "NT AUTHORITY\\Local service"');
  }
  if (system.length > 0) {
    advice.push(`${describeContainers(system, 'run')} as NT AUTHORITY\\SYSTEM (LocalSystem, root on Linux), the most privileged account: ` +
      'use "NT AUTHORITY\\Local service" unless the workload needs full control of the host');
  }
  const selectedOS = spec.nodeSelector?.['kubernetes.io/os'];
  if (selectedOS !== undefined && selectedOS !== HOSTPOD_NODE_OS) {
    advice.push(`${specPath.child('nodeSelector').toString()}: kubernetes.io/os=${selectedOS} matches no hostpod node ` +
      `(hostpod nodes report ${HOSTPOD_NODE_OS}), so the pod will never be scheduled there: select kubernetes.io/os: ${HOSTPOD_NODE_OS}`);
  }
  const osName = spec.os?.name;
  if (osName !== undefined && osName !== HOSTPOD_NODE_OS && (osName === 'windows')) {
    advice.push(`${specPath.child('os', 'name').toString()}: ${osName} differs from the node OS of hostpod nodes (${HOSTPOD_NODE_OS}); ` +
      'the node rejects such a pod: remove spec.os or set it to linux');
  }
  return advice;
}

function describeContainers(names: string[], verb?: string): string {
  const quoted = names.map((n) => `"${n}"`).join(', ');
  const noun = names.length === 1 ? 'container' : 'containers';
  if (verb) return `${noun} ${quoted} ${names.length === 1 ? `${verb}s` : verb}`;
  return `${noun} ${quoted} ${names.length === 1 ? 'has' : 'have'}`;
}
