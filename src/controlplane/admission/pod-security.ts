/**
 * Validating admission through the policy engine: the API server's validation of pods and
 * workloads, and Pod Security from the namespace's labels. The same functions serve
 * `hostpod lint` and `hostpod run`.
 */
import type { V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import { resolveKind, type PodKind } from '../../api/kinds.js';
import { admit, defaultRegistry, existingPodWarnings, NO_EXEMPTIONS, policyFromLabels } from '../../policy/podsecurity/index.js';
import { formatLevelVersion } from '../../policy/podsecurity/level.js';
import { validateObject } from '../../policy/validation/index.js';
import { metaOf, type Obj } from '../api/object-meta.js';
import { invalidObject, StatusError } from '../api/status-error.js';
import type { UserInfo } from '../auth/user.js';
import { groupVersion, type ResourceDefinition, type StrategyContext } from '../resources/definition.js';

/** The policy engine's verdict on a pod or DaemonSet: its warnings. @throws StatusError 422 */
export function validateWorkload(info: ResourceDefinition, object: Obj): string[] {
  const kind = podKindOf(info);
  if (!kind) return [];
  const result = validateObject(kind, object, { allowPrivileged: true });
  if (result.errors.length > 0) throw invalidObject(info, object, result.errors);
  return result.warnings;
}

/**
 * A create of a pod or workload: the policy engine's validation, then Pod Security in its
 * namespace. The validation's warnings go out with a Pod Security denial too, as the API server
 * records them before admission runs.
 * @returns the warnings @throws StatusError 422 when invalid, 403 when Pod Security denies a pod
 */
export function validateAndAdmitCreate(info: ResourceDefinition, object: Obj, context: StrategyContext): string[] {
  const warnings = validateWorkload(info, object);
  try {
    return [...warnings, ...podSecurityInNamespace(info, object, context)];
  } catch (error) {
    if (error instanceof StatusError) error.warnings.unshift(...warnings);
    throw error;
  }
}

/**
 * Pod Security admission of a pod or workload in its namespace, whose labels are read through
 * `context`.
 * @throws StatusError 404 when the namespace is gone, 403 as `admitPodSecurity`
 */
export function podSecurityInNamespace(info: ResourceDefinition, object: Obj, context: StrategyContext): string[] {
  const namespace = context.lookup('namespaces', '', metaOf(object).namespace ?? '');
  if (!namespace) throw new StatusError(404, 'NotFound', `namespaces "${metaOf(object).namespace ?? ''}" not found`);
  return admitPodSecurity(info, object, metaOf(namespace).labels ?? {}, context.user);
}

/**
 * Pod Security admission of a pod (enforced) or a workload (warned), from its namespace's labels.
 * @throws StatusError 403 with upstream's message when enforce denies a pod
 */
export function admitPodSecurity(info: ResourceDefinition, object: Obj, namespaceLabels: Readonly<Record<string, string>>, user: UserInfo): string[] {
  const kind = podKindOf(info);
  if (!kind) return [];
  const meta = metaOf(object);
  let template: Obj = object;
  for (const key of kind.templatePath) template = (template[key] ?? {}) as Obj;
  const decision = admit({ registry: defaultRegistry, exemptions: NO_EXEMPTIONS }, {
    resource: info.resource,
    group: info.group,
    name: meta.name ?? '',
    namespace: meta.namespace ?? '',
    namespaceLabels,
    username: user.username,
    meta: (kind.templatePath.length === 0 ? meta : template['metadata'] ?? {}),
    spec: (template['spec'] ?? {}) as V1PodSpec,
  });
  if (!decision.allowed) throw new StatusError(403, 'Forbidden', decision.message ?? 'forbidden by PodSecurity', { name: meta.name ?? '', kind: info.resource });
  return decision.warnings;
}

/** Pod Security labels on a namespace must parse. @throws StatusError 422 */
export function validateNamespaceLabels(info: ResourceDefinition, object: Obj): void {
  const { errors } = policyFromLabels(metaOf(object).labels ?? {});
  if (errors.length > 0) throw invalidObject(info, object, errors);
}

/**
 * When a namespace update changes its enforce level: the pods already in it that the new level
 * would forbid, as warnings (they keep running; upstream only warns).
 */
export function existingPodsWarnings(namespace: Obj, current: Obj, podsIn: (namespace: string) => Obj[]): string[] {
  const after = policyFromLabels(metaOf(namespace).labels ?? {}).policy.enforce;
  const before = policyFromLabels(metaOf(current).labels ?? {}).policy.enforce;
  if (after.level === 'privileged' || formatLevelVersion(after) === formatLevelVersion(before)) return [];
  const name = metaOf(namespace).name ?? '';
  const pods = podsIn(name).map((pod) => ({ meta: metaOf(pod) as V1ObjectMeta, spec: (pod['spec'] ?? {}) as V1PodSpec }));
  return existingPodWarnings(defaultRegistry, name, after, pods);
}

function podKindOf(info: ResourceDefinition): PodKind | undefined {
  const resolved = resolveKind(groupVersion(info), info.kind);
  return resolved.type === 'pod' ? resolved.info : undefined;
}
