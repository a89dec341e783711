/**
 * The fields every container has (validateContainerCommon): name, image, ports, env, volume
 * mounts, pull policy, resources and security context; then its probes and lifecycle hooks, which
 * an init container may have only with restartPolicy Always.
 */
import type { V1Container } from '@kubernetes/client-node';
import type { ContainerType } from '../containers.js';
import { forbidden, invalid, notSupported, required, type FieldError, type FieldPath } from '../field.js';
import { isDNS1123Label } from './names.js';
import { validateEnv } from './env.js';
import { validateContainerPorts } from './ports.js';
import { validateProbesAndLifecycle } from './probes.js';
import { validateResources } from './resources.js';
import { validateSecurityContext } from './security-context.js';
import { validateVolumeMounts } from './volume-mounts.js';

export interface ContainerContext {
  type: ContainerType;
  /** Volume names that mounts may reference. */
  volumes: ReadonlySet<string>;
  /** kube-apiserver's --allow-privileged. */
  allowPrivileged: boolean;
  /** The pod's spec.hostUsers, true unless set false. */
  hostUsers: boolean;
  /** The pod's terminationGracePeriodSeconds, which a sleep hook must not outlast. */
  gracePeriod?: number;
}

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const CONTAINER_RESTART_POLICIES = ['Always', 'Never', 'OnFailure'];
const INIT_ONLY_WITH_RESTART = ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const;

export function validateContainer(container: V1Container, path: FieldPath, context: ContainerContext): FieldError[] {
  const errors: FieldError[] = [];
  const name = container.name ?? '';
  if (name === '') errors.push(required(path.child('name')));
  else for (const message of isDNS1123Label(name)) errors.push(invalid(path.child('name'), name, message));

  if (!container.image) errors.push(required(path.child('image')));
  // Unset policies are defaulted before validation; a value that is not one is refused.
  const messagePolicy = container.terminationMessagePolicy;
  if (typeof messagePolicy === 'string' && messagePolicy !== '' && !TERMINATION_MESSAGE_POLICIES.includes(messagePolicy)) {
    errors.push(notSupported(path.child('terminationMessagePolicy'), messagePolicy, TERMINATION_MESSAGE_POLICIES));
  }
  errors.push(...validateContainerPorts(container.ports, path.child('ports')));
  errors.push(...validateEnv(container.env, path.child('env')));
  errors.push(...validateVolumeMounts(container, path.child('volumeMounts'), context.volumes));
  if (container.imagePullPolicy && !PULL_POLICIES.includes(container.imagePullPolicy)) {
    errors.push(notSupported(path.child('imagePullPolicy'), container.imagePullPolicy, PULL_POLICIES));
  }
  errors.push(...validateResources(container.resources, path.child('resources')));
  errors.push(...validateSecurityContext(container.securityContext, path.child('securityContext'), context));
  errors.push(...validateContainerRestartPolicy(container, path));
  if (context.type === 'initContainers' && container.restartPolicy !== 'Always') {
    for (const key of INIT_ONLY_WITH_RESTART) {
      if (container[key]) errors.push(forbidden(path.child(key), 'may not be set for init containers without restartPolicy=Always'));
    }
  } else if (context.type !== 'ephemeralContainers') {
    errors.push(...validateProbesAndLifecycle(container, path, context.gracePeriod));
  }
  return errors;
}

// Container restart rules (ContainerRestartRules, on by default since 1.35) let any container set
// a restart policy of its own.
function validateContainerRestartPolicy(container: V1Container, path: FieldPath): FieldError[] {
  const policy = container.restartPolicy;
  if (policy === undefined || policy === null || CONTAINER_RESTART_POLICIES.includes(policy)) return [];
  return [notSupported(path.child('restartPolicy'), policy, CONTAINER_RESTART_POLICIES)];
}
