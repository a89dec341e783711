/**
 * The warnings of a namespace update that changes its enforce level: which of the pods already
 * there the new level would forbid, grouped by what they violate, worded and ordered as
 * pod-security-admission words them (`kubectl label ns NAME ...enforce=baseline` prints them).
 */
import type { V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import { formatLevelVersion, type LevelVersion } from './level.js';
import { aggregate, type CheckRegistry } from './registry.js';

export interface ExistingPod {
  meta: V1ObjectMeta;
  spec: V1PodSpec;
}

/** Upstream's default limit on the pods evaluated (namespaceMaxPodsToCheck). */
export const MAX_PODS_TO_CHECK = 3000;

/** The warnings for the `pods` of `namespace` under its new enforce level; none when all comply. */
export function existingPodWarnings(registry: CheckRegistry, namespace: string, enforce: LevelVersion, pods: readonly ExistingPod[], limit = MAX_PODS_TO_CHECK): string[] {
  if (enforce.level === 'privileged') return [];
  const prioritized = oneFirstPerController(pods);
  const checked = prioritized.slice(0, limit);
  // Per distinct set of reasons: the lexically first pod name and how many pods share it.
  const groups = new Map<string, { first: string; count: number }>();
  for (const pod of checked) {
    const result = aggregate(registry.evaluatePod(enforce, pod.meta, pod.spec));
    if (result.allowed) continue;
    const reasons = result.reasons.join(', ');
    const name = pod.meta.name ?? '';
    const group = groups.get(reasons);
    if (!group) groups.set(reasons, { first: name, count: 1 });
    else groups.set(reasons, { first: name < group.first ? name : group.first, count: group.count + 1 });
  }
  const warnings: string[] = [];
  if (checked.length < prioritized.length) warnings.push(`new PodSecurity enforce level only checked against the first ${checked.length} of ${prioritized.length} existing pods`);
  if (groups.size > 0) warnings.push(`existing pods in namespace "${namespace}" violate the new PodSecurity enforce level "${formatLevelVersion(enforce)}"`);
  const podWarnings = [...groups].map(([reasons, { first, count }]) => {
    if (count === 1) return `${first}: ${reasons}`;
    return `${first} (and ${count - 1} other ${count === 2 ? 'pod' : 'pods'}): ${reasons}`;
  });
  // Go's sort.Strings: byte order.
  podWarnings.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...warnings, ...podWarnings];
}

/** One pod per controller first, then the other replicas: a limit then still covers every workload. */
function oneFirstPerController(pods: readonly ExistingPod[]): ExistingPod[] {
  const first: ExistingPod[] = [];
  const replicas: ExistingPod[] = [];
  const seen = new Set<string>();
  for (const pod of pods) {
    const controller = pod.meta.ownerReferences?.find((o) => o.controller)?.uid;
    if (controller === undefined) first.push(pod);
    else if (seen.has(controller)) replicas.push(pod);
    else {
      seen.add(controller);
      first.push(pod);
    }
  }
  return [...first, ...replicas];
}
