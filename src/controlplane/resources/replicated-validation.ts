/**
 * Validation of the replicated workloads (apps/v1 Deployments and ReplicaSets), as
 * ValidateDeployment and ValidateReplicaSet: the spec's own fields (replicas, strategy, history,
 * deadlines) around the pod template the policy engine validates, and on update the immutable
 * selector. Errors come in upstream's order: metadata, replicas, selector and template, then the
 * rest, all in one 422.
 */
import { resolveKind } from '../../api/kinds.js';
import { objectAt, semanticEqual, type JsonObject } from '../../api/defaults/json.js';
import { validateObject } from '../../policy/validation/index.js';
import { FieldPath, GoJsonValue, forbidden, invalid, notSupported, required, type FieldError } from '../../policy/field.js';
import { podSecurityInNamespace } from '../admission/pod-security.js';
import type { Obj } from '../api/object-meta.js';
import { invalidObject, StatusError } from '../api/status-error.js';
import { groupVersion, type ResourceDefinition, type StrategyContext } from './definition.js';

const SPEC = FieldPath.root('spec');
const PERCENT_MESSAGE = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** The spec errors of a kind: those before the selector and template, and those after. */
export interface SpecErrors {
  first: FieldError[];
  last: FieldError[];
}

/**
 * Validates a Deployment or ReplicaSet (create, or update when `current` is given) and admits it
 * through Pod Security (warnings only, as for any workload).
 * @returns the warnings @throws StatusError 422
 */
export function validateReplicated(info: ResourceDefinition, object: Obj, current: Obj | undefined, context: StrategyContext, own: SpecErrors): string[] {
  const kind = resolveKind(groupVersion(info), info.kind);
  if (kind.type !== 'pod') throw new Error(`${info.kind} is not a pod-creating kind`);
  const result = validateObject(kind.info, object, { allowPrivileged: context.allowPrivileged ?? true });
  const metadata = result.errors.filter((e) => e.field === 'metadata' || e.field.startsWith('metadata.'));
  const rest = result.errors.filter((e) => !metadata.includes(e));
  const errors = [...metadata, ...own.first, ...rest, ...own.last];
  if (current) {
    const selector = objectAt(object, 'spec')?.['selector'];
    if (!semanticEqual(selector, objectAt(current, 'spec')?.['selector'])) errors.push(invalid(SPEC.child('selector'), new GoJsonValue(selector), 'field is immutable'));
  }
  if (errors.length > 0) throw invalidObject(info, object, errors);
  try {
    return [...result.warnings, ...podSecurityInNamespace(info, object, context)];
  } catch (error) {
    if (error instanceof StatusError) error.warnings.unshift(...result.warnings);
    throw error;
  }
}

/** ValidateDeploymentSpec's own fields. */
export function deploymentSpecErrors(deployment: JsonObject): SpecErrors {
  const spec = objectAt(deployment, 'spec') ?? {};
  const last: FieldError[] = [...strategyErrors(objectAt(spec, 'strategy') ?? {}, SPEC.child('strategy'))];
  last.push(...nonNegative(spec['minReadySeconds'], SPEC.child('minReadySeconds')));
  if (typeof spec['revisionHistoryLimit'] === 'number') last.push(...nonNegative(spec['revisionHistoryLimit'], SPEC.child('revisionHistoryLimit')));
  const deadline = spec['progressDeadlineSeconds'];
  if (typeof deadline === 'number') {
    last.push(...nonNegative(deadline, SPEC.child('progressDeadlineSeconds')));
    const minReady = typeof spec['minReadySeconds'] === 'number' ? spec['minReadySeconds'] : 0;
    if (deadline <= minReady) last.push(invalid(SPEC.child('progressDeadlineSeconds'), deadline, 'must be greater than minReadySeconds'));
  }
  return { first: nonNegative(spec['replicas'], SPEC.child('replicas')), last };
}

/** ValidateReplicaSetSpec's own fields. */
export function replicaSetSpecErrors(replicaSet: JsonObject): SpecErrors {
  const spec = objectAt(replicaSet, 'spec') ?? {};
  return { first: [...nonNegative(spec['replicas'], SPEC.child('replicas')), ...nonNegative(spec['minReadySeconds'], SPEC.child('minReadySeconds'))], last: [] };
}

function strategyErrors(strategy: JsonObject, path: FieldPath): FieldError[] {
  const rollingUpdate = objectAt(strategy, 'rollingUpdate');
  switch (strategy['type']) {
    case 'Recreate':
      return strategy['rollingUpdate'] === undefined || strategy['rollingUpdate'] === null
        ? []
        : [forbidden(path.child('rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'")];
    case 'RollingUpdate': {
      if (!rollingUpdate) return [required(path.child('rollingUpdate'), 'this should be defaulted and never be nil')];
      const unavailable = rollingUpdate['maxUnavailable'];
      const surge = rollingUpdate['maxSurge'];
      const errors = [...intOrPercentErrors(unavailable, path.child('rollingUpdate', 'maxUnavailable')), ...intOrPercentErrors(surge, path.child('rollingUpdate', 'maxSurge'))];
      if (intOrPercentValue(unavailable) === 0 && intOrPercentValue(surge) === 0) {
        errors.push(invalid(path.child('rollingUpdate', 'maxUnavailable'), unavailable, 'may not be 0 when `maxSurge` is 0'));
      }
      if (typeof unavailable === 'string' && /^[0-9]+%$/.test(unavailable) && Number.parseInt(unavailable, 10) > 100) {
        errors.push(invalid(path.child('rollingUpdate', 'maxUnavailable'), unavailable, 'must not be greater than 100%'));
      }
      return errors;
    }
    default:
      return [notSupported(path, new GoJsonValue({ Type: strategy['type'] ?? '', RollingUpdate: strategy['rollingUpdate'] ?? null }), ['Recreate', 'RollingUpdate'])];
  }
}

function intOrPercentErrors(value: unknown, path: FieldPath): FieldError[] {
  if (typeof value === 'string') return /^[0-9]+%$/.test(value) ? [] : [invalid(path, value, PERCENT_MESSAGE)];
  return nonNegative(value, path);
}

/** getIntOrPercentValue: the number, or the percentage's number. */
function intOrPercentValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^[0-9]+%$/.test(value)) return Number.parseInt(value, 10);
  return undefined;
}

function nonNegative(value: unknown, path: FieldPath): FieldError[] {
  return typeof value === 'number' && value < 0 ? [invalid(path, value, 'must be greater than or equal to 0')] : [];
}
