/**
 * The fields every container has (validateContainerCommon): name, image, ports, volume mounts,
 * resources and security context.
 */
import type { V1Container, V1ContainerPort, V1VolumeMount } from '@kubernetes/client-node';
import type { ContainerType } from '../containers.js';
import { duplicate, forbidden, invalid, notFound, notSupported, required, type FieldError, type FieldPath } from '../field.js';
import { isDNS1123Label, isValidPortName } from './names.js';
import { validateResources } from './resources.js';
import { validateWindowsOptions } from './windows-options.js';

export interface ContainerContext {
  type: ContainerType;
  /** Volume names that mounts may reference. */
  volumes: ReadonlySet<string>;
  /** kube-apiserver's --allow-privileged. */
  allowPrivileged: boolean;
}

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];

export function validateContainer(container: V1Container, path: FieldPath, context: ContainerContext): FieldError[] {
  const errors: FieldError[] = [];
  const name = container.name ?? '';
  if (name === '') errors.push(required(path.child('name')));
  else for (const message of isDNS1123Label(name)) errors.push(invalid(path.child('name'), name, message));

  if (!container.image) errors.push(required(path.child('image')));
  errors.push(...validatePorts(container.ports, path.child('ports')));
  errors.push(...validateVolumeMounts(container.volumeMounts, path.child('volumeMounts'), context.volumes));
  if (container.imagePullPolicy && !PULL_POLICIES.includes(container.imagePullPolicy)) {
    errors.push(notSupported(path.child('imagePullPolicy'), container.imagePullPolicy, PULL_POLICIES));
  }
  errors.push(...validateResources(container.resources, path.child('resources')));
  errors.push(...validateContainerRestartPolicy(container, path, context.type));

  const sc = container.securityContext;
  if (sc) {
    if (sc.privileged === true && !context.allowPrivileged) {
      errors.push(forbidden(path.child('securityContext', 'privileged'), 'disallowed by cluster policy'));
    }
    errors.push(...validateWindowsOptions(sc.windowsOptions, path.child('securityContext', 'windowsOptions')));
  }
  return errors;
}

function validatePorts(ports: V1ContainerPort[] | undefined, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const p = path.index(i);
    if (port.name) {
      const problems = isValidPortName(port.name);
      for (const message of problems) errors.push(invalid(p.child('name'), port.name, message));
      if (problems.length === 0) {
        if (names.has(port.name)) errors.push(duplicate(p.child('name'), port.name));
        names.add(port.name);
      }
    }
    if (!port.containerPort) errors.push(required(p.child('containerPort')));
    else if (!validPort(port.containerPort)) errors.push(invalid(p.child('containerPort'), port.containerPort, 'must be between 1 and 65535, inclusive'));
    if (port.hostPort && !validPort(port.hostPort)) errors.push(invalid(p.child('hostPort'), port.hostPort, 'must be between 1 and 65535, inclusive'));
    // An unset protocol is defaulted to TCP before validation.
    if (port.protocol !== undefined && port.protocol !== null && !PROTOCOLS.includes(port.protocol)) {
      errors.push(port.protocol === '' ? required(p.child('protocol')) : notSupported(p.child('protocol'), port.protocol, PROTOCOLS));
    }
  });
  return errors;
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

function validateVolumeMounts(mounts: V1VolumeMount[] | undefined, path: FieldPath, volumes: ReadonlySet<string>): FieldError[] {
  const errors: FieldError[] = [];
  const mountPaths = new Set<string>();
  (mounts ?? []).forEach((mount, i) => {
    const p = path.index(i);
    const name = mount.name ?? '';
    if (name === '') errors.push(required(p.child('name')));
    if (!volumes.has(name)) errors.push(notFound(p.child('name'), name));
    const mountPath = mount.mountPath ?? '';
    if (mountPath === '') errors.push(required(p.child('mountPath')));
    else if (mountPaths.has(mountPath)) errors.push(invalid(p.child('mountPath'), mountPath, 'must be unique'));
    mountPaths.add(mountPath);
    if (mount.subPath) {
      // Upstream reports subPath problems without the mount's index.
      if (mount.subPath.startsWith('/')) errors.push(invalid(path.child('subPath'), mount.subPath, 'must be a relative path'));
      if (mount.subPath.split('/').includes('..')) errors.push(invalid(path.child('subPath'), mount.subPath, "must not contain '..'"));
    }
  });
  return errors;
}

function validateContainerRestartPolicy(container: V1Container, path: FieldPath, type: ContainerType): FieldError[] {
  const policy = container.restartPolicy;
  if (policy === undefined || policy === null) return [];
  if (type === 'initContainers') {
    return policy === 'Always' ? [] : [notSupported(path.child('restartPolicy'), policy, ['Always'])];
  }
  return [forbidden(path.child('restartPolicy'), 'may not be set for non-init containers')];
}
