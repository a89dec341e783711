/**
 * Walking the containers of a pod spec, as Kubernetes' VisitContainersWithPath does.
 */
import type { V1Container, V1EphemeralContainer, V1PodSpec } from '@kubernetes/client-node';
import type { FieldPath } from './field.js';

export type ContainerType = 'initContainers' | 'containers' | 'ephemeralContainers';

export interface VisitedContainer {
  container: V1Container | V1EphemeralContainer;
  type: ContainerType;
  index: number;
  path: FieldPath;
}

/**
 * The pod's containers with their field paths. The default order is the API server's visiting
 * order (init, regular, ephemeral); validation of container fields uses regular, init, ephemeral.
 */
export function visitContainers(
  spec: V1PodSpec,
  path: FieldPath,
  order: readonly ContainerType[] = ['initContainers', 'containers', 'ephemeralContainers'],
): VisitedContainer[] {
  const visited: VisitedContainer[] = [];
  for (const type of order) {
    const list = (spec[type] ?? []) as Array<V1Container | V1EphemeralContainer | null>;
    list.forEach((container, index) => {
      if (container) visited.push({ container, type, index, path: path.child(type).index(index) });
    });
  }
  return visited;
}

/**
 * Calls `visit` for the init, regular and ephemeral containers, in that order, without building
 * field paths: the fast walk that Pod Security checks use on every admission.
 */
export function forEachContainer(spec: V1PodSpec, visit: (container: V1Container | V1EphemeralContainer) => void): void {
  for (const list of [spec.initContainers, spec.containers, spec.ephemeralContainers]) {
    for (const container of list ?? []) if (container) visit(container);
  }
}
