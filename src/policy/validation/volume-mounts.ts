/**
 * A container's `volumeMounts` (ValidateVolumeMounts): names of valid volumes, unique mount
 * paths, relative sub-paths, and mount propagation, Bidirectional only for privileged containers.
 */
import type { V1Container } from '@kubernetes/client-node';
import { forbidden, invalid, notFound, notSupported, required, type FieldError, type FieldPath } from '../field.js';
import { validateLocalDescendingPath } from './profiles.js';

const PROPAGATIONS = ['Bidirectional', 'HostToContainer', 'None'];

export function validateVolumeMounts(container: V1Container, path: FieldPath, volumes: ReadonlySet<string>): FieldError[] {
  const errors: FieldError[] = [];
  const mountPaths = new Set<string>();
  const privileged = container.securityContext?.privileged === true;
  (container.volumeMounts ?? []).forEach((mount, i) => {
    const p = path.index(i);
    const name = mount.name ?? '';
    if (name === '') errors.push(required(p.child('name')));
    if (!volumes.has(name)) errors.push(notFound(p.child('name'), name));
    const mountPath = mount.mountPath ?? '';
    if (mountPath === '') errors.push(required(p.child('mountPath')));
    if (mountPaths.has(mountPath)) errors.push(invalid(p.child('mountPath'), mountPath, 'must be unique'));
    mountPaths.add(mountPath);
    // Upstream reports sub-path and propagation problems without the mount's index.
    if (mount.subPath) errors.push(...validateLocalDescendingPath(mount.subPath, path.child('subPath')));
    if (mount.subPathExpr) {
      if (mount.subPath) errors.push(invalid(p.child('subPathExpr'), mount.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errors.push(...validateLocalDescendingPath(mount.subPathExpr, path.child('subPathExpr')));
    }
    const propagation = mount.mountPropagation;
    if (typeof propagation === 'string') {
      if (!PROPAGATIONS.includes(propagation)) errors.push(notSupported(path.child('mountPropagation'), propagation, PROPAGATIONS));
      if (propagation === 'Bidirectional' && !privileged) {
        errors.push(forbidden(path.child('mountPropagation'), 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
  });
  return errors;
}
