/**
 * Probes and lifecycle hooks (validateProbe, validateHandler, validateLifecycle): exactly one
 * handler, valid ports, an HTTP path and scheme, non-negative timings, a success threshold of 1
 * where only 1 makes sense, and a sleep within the pod's grace period.
 */
import type { V1Container, V1LifecycleHandler, V1Probe } from '@kubernetes/client-node';
import { forbidden, invalid, notSupported, pointerValue, required, type FieldError, type FieldPath } from '../field.js';
import { isValidPortName } from './names.js';

type Handler = Record<string, unknown>;
const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];
const HTTP_SCHEMES = ['HTTP', 'HTTPS'];
const PORT_RANGE = 'must be between 1 and 65535, inclusive';

/** ValidatePortNumOrName: a number in range, or an IANA service name. */
export function validatePortNumOrName(port: unknown, path: FieldPath): FieldError[] {
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalid(path, port, m));
  const value = typeof port === 'number' ? port : 0;
  return value >= 1 && value <= 65535 ? [] : [invalid(path, value, PORT_RANGE)];
}

function validateAction(kind: string, action: Handler, path: FieldPath, gracePeriod: number | undefined): FieldError[] {
  switch (kind) {
    case 'exec':
      return Array.isArray(action['command']) && action['command'].length > 0 ? [] : [required(path.child('command'))];
    case 'httpGet': {
      const errors: FieldError[] = [];
      if (!action['path']) errors.push(required(path.child('path')));
      errors.push(...validatePortNumOrName(action['port'], path.child('port')));
      // An unset path and scheme are defaulted to / and HTTP before validation.
      const scheme = typeof action['scheme'] === 'string' ? action['scheme'] : 'HTTP';
      if (!HTTP_SCHEMES.includes(scheme)) errors.push(notSupported(path.child('scheme'), scheme, HTTP_SCHEMES));
      return errors;
    }
    case 'tcpSocket':
      return validatePortNumOrName(action['port'], path.child('port'));
    case 'grpc':
      return validatePortNumOrName(typeof action['port'] === 'number' ? action['port'] : 0, path.child('port'));
    case 'sleep': {
      // PodLifecycleSleepActionAllowZero is on (GA since 1.34): zero seconds are allowed.
      const seconds = typeof action['seconds'] === 'number' ? action['seconds'] : 0;
      if (gracePeriod === undefined || (seconds >= 0 && seconds <= gracePeriod)) return [];
      return [invalid(path, seconds, `must be non-negative and less than terminationGracePeriodSeconds (${gracePeriod})`)];
    }
    default:
      return [];
  }
}

function validateHandler(handler: Handler, kinds: readonly string[], path: FieldPath, gracePeriod: number | undefined): FieldError[] {
  const errors: FieldError[] = [];
  let count = 0;
  for (const kind of kinds) {
    const action = handler[kind];
    if (action === undefined || action === null) continue;
    if (count++ > 0) errors.push(forbidden(path.child(kind), 'may not specify more than 1 handler type'));
    else errors.push(...validateAction(kind, typeof action === 'object' ? (action as Handler) : {}, path.child(kind), gracePeriod));
  }
  if (count === 0) errors.push(required(path, 'must specify a handler type'));
  return errors;
}

function validateProbe(probe: V1Probe, path: FieldPath, kind: 'liveness' | 'readiness' | 'startup'): FieldError[] {
  const errors = validateHandler(probe as unknown as Handler, PROBE_HANDLERS, path, undefined);
  for (const key of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    const value = probe[key] ?? 0;
    if (value < 0) errors.push(invalid(path.child(key), value, 'must be greater than or equal to 0'));
  }
  const grace = probe.terminationGracePeriodSeconds;
  if (typeof grace === 'number' && grace <= 0) errors.push(invalid(path.child('terminationGracePeriodSeconds'), grace, 'must be greater than 0'));
  if (kind === 'readiness' && grace !== undefined && grace !== null) {
    errors.push(invalid(path.child('terminationGracePeriodSeconds'), pointerValue(grace), 'must not be set for readinessProbes'));
  }
  // An unset success threshold is defaulted to 1 before validation.
  if (kind !== 'readiness' && (probe.successThreshold ?? 1) !== 1) errors.push(invalid(path.child('successThreshold'), probe.successThreshold, 'must be 1'));
  return errors;
}

/**
 * A container's lifecycle hooks and probes, found at `path`; `gracePeriod` is the pod's
 * terminationGracePeriodSeconds, which a sleep hook must not outlast.
 */
export function validateProbesAndLifecycle(container: V1Container, path: FieldPath, gracePeriod: number | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const lifecycle = container.lifecycle;
  if (lifecycle) {
    for (const hook of ['postStart', 'preStop'] as const) {
      const handler: V1LifecycleHandler | undefined = lifecycle[hook];
      if (handler) errors.push(...validateHandler(handler as unknown as Handler, LIFECYCLE_HANDLERS, path.child('lifecycle', hook), gracePeriod));
    }
  }
  const probes = [['livenessProbe', 'liveness'], ['readinessProbe', 'readiness'], ['startupProbe', 'startup']] as const;
  for (const [key, kind] of probes) {
    const probe = container[key];
    if (probe) errors.push(...validateProbe(probe, path.child(key), kind));
  }
  return errors;
}
