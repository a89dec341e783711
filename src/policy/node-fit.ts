/**
 * Whether a pod may run on a node, as kube-scheduler's filters decide it: node selector, required
 * node affinity (label expressions and `metadata.name` fields), taints and tolerations, and
 * resource requests against the node's allocatable capacity. Each failure has upstream's reason.
 */
import { parseQuantity } from '../api/quantity.js';
import { isObject, metaOf, type Obj } from '../api/object.js';

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

type Expression = { key: string; operator: string; values?: string[] };
type Term = { matchExpressions?: Expression[]; matchFields?: Expression[] };

/** Why a node does not fit, in kube-scheduler's words, or undefined when it fits. */
export function nodeMismatch(pod: Obj, node: Obj, podsOnNode: readonly Obj[] = [], checkResources = true): string | undefined {
  const spec = (pod['spec'] ?? {}) as { nodeSelector?: Record<string, string>; affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Term[] } } }; tolerations?: Toleration[] };
  if (!matchesNodeSelector(spec, node)) return "node(s) didn't match Pod's node affinity/selector";
  const untolerated = nodeTaints(node).find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(spec.tolerations ?? [], t));
  if (untolerated) return `node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}`;
  if (checkResources) return insufficient(pod, node, podsOnNode);
  return undefined;
}

export function matchesNodeSelector(spec: { nodeSelector?: Record<string, string>; affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Term[] } } } }, node: Obj): boolean {
  const labels = metaOf(node).labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) return true;
  // Terms are ORed; within a term, every expression must hold. An empty term matches nothing.
  return terms.some((term) => {
    const exprs = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    return exprs.every((e) => matchExpression(e, labels[e.key])) && fields.every((f) => f.key === 'metadata.name' && matchExpression(f, metaOf(node).name));
  });
}

function matchExpression(e: Expression, value: string | undefined): boolean {
  const values = e.values ?? [];
  switch (e.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt': return value !== undefined && Number(value) < Number(values[0]);
    default: return false;
  }
}

/** The node's taints, plus those the node lifecycle controller would add for its conditions. */
export function nodeTaints(node: Obj): Taint[] {
  const spec = (node['spec'] ?? {}) as { taints?: Taint[]; unschedulable?: boolean };
  const taints = [...(spec.taints ?? [])];
  if (spec.unschedulable && !taints.some((t) => t.key === 'node.kubernetes.io/unschedulable')) {
    taints.push({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' });
  }
  const conditions = ((node['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions) ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready && ready.status !== 'True' && !taints.some((t) => t.key === 'node.kubernetes.io/not-ready' || t.key === 'node.kubernetes.io/unreachable')) {
    taints.push({ key: ready.status === 'False' ? 'node.kubernetes.io/not-ready' : 'node.kubernetes.io/unreachable', effect: 'NoSchedule' });
  }
  return taints;
}

export function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

/** Requests of the pod beyond what the node has left, as `Insufficient cpu`. */
function insufficient(pod: Obj, node: Obj, podsOnNode: readonly Obj[]): string | undefined {
  const allocatable = ((node['status'] as { allocatable?: Record<string, unknown> } | undefined)?.allocatable) ?? {};
  const active = podsOnNode.filter((p) => !isTerminated(p));
  const maxPods = quantity(allocatable['pods']);
  if (maxPods !== undefined && active.length + 1 > maxPods) return 'Too many pods';
  for (const name of ['cpu', 'memory', 'ephemeral-storage']) {
    const capacity = quantity(allocatable[name]);
    if (capacity === undefined) continue;
    const wanted = podRequest(pod, name);
    if (wanted === 0) continue;
    const used = active.reduce((sum, p) => sum + podRequest(p, name), 0);
    if (used + wanted > capacity) return `Insufficient ${name}`;
  }
  return undefined;
}

export function isTerminated(pod: Obj): boolean {
  const phase = (pod['status'] as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** A pod's effective request: the larger of its containers' sum and its largest init container. */
export function podRequest(pod: Obj, name: string): number {
  const spec = (pod['spec'] ?? {}) as { containers?: Obj[]; initContainers?: Obj[] };
  const request = (c: Obj): number => {
    const resources = isObject(c['resources']) ? c['resources'] : {};
    const requests = isObject(resources['requests']) ? resources['requests'] : {};
    return quantity(requests[name]) ?? 0;
  };
  const sum = (spec.containers ?? []).reduce((s, c) => s + request(c), 0);
  const init = Math.max(0, ...(spec.initContainers ?? []).map(request));
  return Math.max(sum, init);
}

export function quantity(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const parsed = parseQuantity(value);
  return 'error' in parsed ? undefined : parsed.value;
}
