/**
 * Container ports (validateContainerPorts), host ports no two containers may share
 * (checkHostPortConflicts), and host ports under the host network (validatePodHostNetworkDeps).
 */
import type { V1Container, V1ContainerPort, V1PodSpec } from '@kubernetes/client-node';
import { duplicate, invalid, notSupported, required, type FieldError, type FieldPath } from '../field.js';
import { isValidPortName } from './names.js';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PORT_RANGE = 'must be between 1 and 65535, inclusive';

const validPort = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65535;
// An unset or empty protocol is defaulted to TCP before validation.
const protocolOf = (port: V1ContainerPort): string => port.protocol || 'TCP';

/** One container's `ports`. */
export function validateContainerPorts(ports: V1ContainerPort[] | undefined, path: FieldPath): FieldError[] {
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
    else if (!validPort(port.containerPort)) errors.push(invalid(p.child('containerPort'), port.containerPort, PORT_RANGE));
    if (port.hostPort && !validPort(port.hostPort)) errors.push(invalid(p.child('hostPort'), port.hostPort, PORT_RANGE));
    if (!PROTOCOLS.includes(protocolOf(port))) errors.push(notSupported(p.child('protocol'), port.protocol, PROTOCOLS));
  });
  return errors;
}

/**
 * Host ports used twice (`TCP//80`: protocol, host IP, port) among `containers`, whose list is
 * at `path`. Regular containers are checked together; init containers, which run one at a time,
 * each on its own, as a list of one: upstream's errors then name the init container at index 0,
 * whichever it is.
 */
export function hostPortConflicts(containers: readonly V1Container[], path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((container, i) => {
    (container.ports ?? []).forEach((port, j) => {
      if (!port.hostPort) return;
      const key = `${protocolOf(port)}/${port.hostIP ?? ''}/${port.hostPort}`;
      if (seen.has(key)) errors.push(duplicate(path.index(i).child('ports').index(j).child('hostPort'), key));
      seen.add(key);
    });
  });
  return errors;
}

/**
 * With the host network a container's port is a port of the host, so hostPort and containerPort
 * must agree. A Pod's unset hostPort has been defaulted to its containerPort by then; a template's
 * may stay unset (its pods get the default).
 */
export function validateHostNetworkPorts(spec: V1PodSpec, path: FieldPath, isPod: boolean): FieldError[] {
  if (spec.hostNetwork !== true) return [];
  const errors: FieldError[] = [];
  (spec.containers ?? []).forEach((container, i) => {
    (container.ports ?? []).forEach((port, j) => {
      const hostPort = port.hostPort ?? 0;
      if ((isPod || hostPort !== 0) && hostPort !== port.containerPort) {
        errors.push(invalid(path.child('containers').index(i).child('ports').index(j).child('hostPort'), hostPort,
          'must match `containerPort` when `hostNetwork` is true'));
      }
    });
  });
  return errors;
}
