import type { V1Container, V1EphemeralContainer, V1PodSpec } from '@kubernetes/client-node';

/** Calls `visit` for the init, regular and ephemeral containers of a pod spec, in that order. */
export function visitContainers(spec: V1PodSpec, visit: (container: V1Container | V1EphemeralContainer) => void): void {
  for (const list of [spec.initContainers, spec.containers, spec.ephemeralContainers]) {
    for (const container of list ?? []) if (container) visit(container);
  }
}
