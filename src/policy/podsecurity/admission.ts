/**
 * Pod Security admission: decides a pod or workload create against its namespace's policy, with
 * upstream's exemptions, short-circuits, caching and messages. Pods are denied by enforce and
 * warned by warn; workloads are only ever warned (their pods are judged when they are created).
 */
import type { V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import type { FieldError } from '../field.js';
import { formatFieldError } from '../field.js';
import { formatLevelVersion, type LevelVersion } from './level.js';
import { DEFAULT_POLICY, policyFromLabels, type NamespacePolicy } from './namespace-policy.js';
import { aggregate, forbiddenDetail, type AggregateResult, type CheckRegistry } from './registry.js';

export interface Exemptions {
  usernames: readonly string[];
  namespaces: readonly string[];
  runtimeClasses: readonly string[];
}

export const NO_EXEMPTIONS: Exemptions = { usernames: [], namespaces: [], runtimeClasses: [] };

export interface AdmissionConfig {
  registry: CheckRegistry;
  defaults?: NamespacePolicy;
  exemptions?: Exemptions;
}

export interface AdmissionRequest {
  /** `pods` for a pod; the workload's resource otherwise (`daemonsets`, `deployments`, ...). */
  resource: string;
  /** The API group of the resource ('' for the core group). */
  group: string;
  name: string;
  namespace: string;
  namespaceLabels: Readonly<Record<string, string>>;
  username?: string;
  /** The pod's metadata and spec, or the workload's pod template's. */
  meta: V1ObjectMeta;
  spec: V1PodSpec;
}

export type ExemptionReason = 'namespace' | 'user' | 'runtimeClass';

export interface AdmissionDecision {
  allowed: boolean;
  /** The denial, as the API server words it: `pods "x" is forbidden: violates PodSecurity ...`. */
  message?: string;
  /** For a pod that enforce evaluated: what enforce found forbidden (empty when allowed). */
  enforced?: AggregateResult & { violation: string };
  warnings: string[];
  /** Keys without the `pod-security.kubernetes.io/` prefix: exempt, enforce-policy, audit-violations, error. */
  auditAnnotations: Record<string, string>;
  exempt?: ExemptionReason;
  policy: NamespacePolicy;
  /** Errors in the namespace's Pod Security labels. */
  labelErrors: FieldError[];
}

const PREFIX_VIOLATES = 'violates PodSecurity';
const PREFIX_WOULD_VIOLATE = 'would violate PodSecurity';

/** Admits a create of `request` (a pod or a workload) as pod-security-admission would. */
export function admit(config: AdmissionConfig, request: AdmissionRequest): AdmissionDecision {
  const exemptions = config.exemptions ?? NO_EXEMPTIONS;
  const { policy, errors } = policyFromLabels(request.namespaceLabels, config.defaults ?? DEFAULT_POLICY);
  const base = { policy, labelErrors: errors, warnings: [] as string[] };
  const exempt = (reason: ExemptionReason): AdmissionDecision => ({ ...base, allowed: true, exempt: reason, auditAnnotations: { exempt: reason } });

  if (request.namespace !== '' && exemptions.namespaces.includes(request.namespace)) return exempt('namespace');
  if (request.username && exemptions.usernames.includes(request.username)) return exempt('user');

  const isPod = request.group === '' && request.resource === 'pods';
  if (errors.length === 0) {
    if (isPod && policy.enforce.level === 'privileged' && policy.audit.level === 'privileged' && policy.warn.level === 'privileged') {
      return { ...base, allowed: true, auditAnnotations: { 'enforce-policy': 'privileged:latest' } };
    }
    if (!isPod && policy.audit.level === 'privileged' && policy.warn.level === 'privileged') {
      return { ...base, allowed: true, auditAnnotations: {} };
    }
  }
  const runtimeClass = request.spec.runtimeClassName;
  if (runtimeClass && exemptions.runtimeClasses.includes(runtimeClass)) return exempt('runtimeClass');

  const auditAnnotations: Record<string, string> = {};
  if (errors.length > 0) auditAnnotations['error'] = `Failed to parse policy: ${aggregateErrors(errors)}`;
  const cache = new Map<string, AggregateResult>();
  const evaluate = (lv: LevelVersion): AggregateResult => {
    const key = formatLevelVersion(lv);
    let result = cache.get(key);
    if (!result) {
      result = aggregate(config.registry.evaluatePod(lv, request.meta, request.spec));
      cache.set(key, result);
    }
    return result;
  };

  let allowed = true;
  let message: string | undefined;
  let enforced: AdmissionDecision['enforced'];
  if (isPod) {
    auditAnnotations['enforce-policy'] = formatLevelVersion(policy.enforce);
    const result = evaluate(policy.enforce);
    enforced = { ...result, violation: result.allowed ? '' : violation(PREFIX_VIOLATES, policy.enforce, result) };
    if (!result.allowed) {
      allowed = false;
      message = `${forbiddenPrefix(request)} is forbidden: ${enforced.violation}`;
    }
  }
  const audit = evaluate(policy.audit);
  if (!audit.allowed) auditAnnotations['audit-violations'] = violation(PREFIX_WOULD_VIOLATE, policy.audit, audit);
  const warnings: string[] = [];
  if (allowed) {
    const warn = evaluate(policy.warn);
    if (!warn.allowed) warnings.push(violation(PREFIX_WOULD_VIOLATE, policy.warn, warn));
  }
  return { ...base, allowed, ...(message ? { message } : {}), ...(enforced ? { enforced } : {}), warnings, auditAnnotations };
}

/**
 * Evaluates a pod spec at one level and version, without any namespace: what `hostpod lint
 * --pod-security` and the enforce mode report.
 */
export function evaluateLevel(registry: CheckRegistry, lv: LevelVersion, meta: V1ObjectMeta, spec: V1PodSpec): AggregateResult & { message: string } {
  const result = aggregate(registry.evaluatePod(lv, meta, spec));
  return { ...result, message: result.allowed ? '' : violation(PREFIX_VIOLATES, lv, result) };
}

function violation(prefix: string, lv: LevelVersion, result: AggregateResult): string {
  return `${prefix} "${formatLevelVersion(lv)}": ${forbiddenDetail(result)}`;
}

function forbiddenPrefix(request: AdmissionRequest): string {
  const resource = request.group === '' ? request.resource : `${request.resource}.${request.group}`;
  return request.name === '' ? resource : `${resource} "${request.name}"`;
}

// apimachinery's Aggregate.Error(): one message alone, several in brackets, duplicates dropped.
function aggregateErrors(errors: readonly FieldError[]): string {
  const messages = [...new Set(errors.map(formatFieldError))];
  return messages.length === 1 ? (messages[0] ?? '') : `[${messages.join(', ')}]`;
}
