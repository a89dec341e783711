/**
 * The pod registry strategy (pkg/registry/core/pod): what the API server sets when it creates a
 * pod and what it keeps from the stored pod on updates of the pod and of `pods/status`.
 */
import { copyField, ensureObject, objectAt, objectsAt, stringAt, type JsonObject } from '../../api/defaults/json.js';
import { podQOSClass } from '../../api/defaults/pod-qos.js';

/**
 * PrepareForCreate of a pod: a fresh Pending status with its QoS class, and the create-time
 * mutations (the AppArmor annotations are synced after admission, by the pods' definition).
 */
export function preparePodForCreate(pod: JsonObject, now: string): void {
  const spec = ensureObject(pod, 'spec');
  pod['status'] = { phase: 'Pending', qosClass: podQOSClass(spec) };
  applySchedulingGatedCondition(pod, now);
  mergeAffinityLabelKeys(pod);
  mergeTopologySpreadLabelKeys(pod);
}

/**
 * PrepareForUpdate of `pods/status`, beyond keeping the stored spec: owner references stay, and a
 * status that leaves out the QoS class or an observed generation keeps the stored one.
 */
export function preparePodForStatusUpdate(oldPod: JsonObject, newPod: JsonObject): void {
  // Old kubelets corrupted owner references through pods/status, so the subresource cannot touch them.
  copyField(ensureObject(oldPod, 'metadata'), ensureObject(newPod, 'metadata'), 'ownerReferences');
  const oldStatus = objectAt(oldPod, 'status') ?? {};
  const newStatus = ensureObject(newPod, 'status');
  // The QoS class is immutable; old kubelets dropped it from rejected pods' status.
  if (!stringAt(newStatus, 'qosClass') && oldStatus['qosClass'] !== undefined) newStatus['qosClass'] = oldStatus['qosClass'];
  preserveObservedGeneration(oldStatus, newStatus);
}

function applySchedulingGatedCondition(pod: JsonObject, now: string): void {
  const gates = objectAt(pod, 'spec')?.['schedulingGates'];
  if (!Array.isArray(gates) || gates.length === 0) return;
  const status = ensureObject(pod, 'status');
  status['conditions'] = [{
    type: 'PodScheduled',
    status: 'False',
    lastProbeTime: null,
    lastTransitionTime: now,
    reason: 'SchedulingGated',
    message: 'Scheduling is blocked due to non-empty scheduling gates',
  }];
}

// matchLabelKeys and mismatchLabelKeys of pod (anti-)affinity terms become selector requirements
// on the pod's own label values.
function mergeAffinityLabelKeys(pod: JsonObject): void {
  const labels = podLabels(pod);
  const affinity = objectAt(objectAt(pod, 'spec') ?? {}, 'affinity');
  if (!affinity) return;
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const terms = objectAt(affinity, kind);
    if (!terms) continue;
    const required = objectsAt(terms, 'requiredDuringSchedulingIgnoredDuringExecution');
    const preferred = objectsAt(terms, 'preferredDuringSchedulingIgnoredDuringExecution')
      .map((weighted) => objectAt(weighted, 'podAffinityTerm'))
      .filter((term): term is JsonObject => term !== undefined);
    for (const term of [...required, ...preferred]) {
      const selector = objectAt(term, 'labelSelector');
      if (!selector) continue;
      appendRequirements(selector, term['matchLabelKeys'], 'In', labels);
      appendRequirements(selector, term['mismatchLabelKeys'], 'NotIn', labels);
    }
  }
}

function mergeTopologySpreadLabelKeys(pod: JsonObject): void {
  const labels = podLabels(pod);
  for (const constraint of objectsAt(objectAt(pod, 'spec') ?? {}, 'topologySpreadConstraints')) {
    const selector = objectAt(constraint, 'labelSelector');
    if (selector) appendRequirements(selector, constraint['matchLabelKeys'], 'In', labels);
  }
}

function appendRequirements(selector: JsonObject, keys: unknown, operator: 'In' | 'NotIn', labels: JsonObject): void {
  if (!Array.isArray(keys)) return;
  for (const key of keys) {
    const value = typeof key === 'string' ? labels[key] : undefined;
    if (typeof key !== 'string' || typeof value !== 'string') continue;
    const expressions = Array.isArray(selector['matchExpressions']) ? (selector['matchExpressions'] as unknown[]) : [];
    selector['matchExpressions'] = [...expressions, { key, operator, values: [value] }];
  }
}

function podLabels(pod: JsonObject): JsonObject {
  return objectAt(objectAt(pod, 'metadata') ?? {}, 'labels') ?? {};
}

// A status write that leaves observedGeneration out keeps the stored one, for the pod and for
// each condition (matched by type, in order).
function preserveObservedGeneration(oldStatus: JsonObject, newStatus: JsonObject): void {
  if (!newStatus['observedGeneration'] && oldStatus['observedGeneration'] !== undefined) {
    newStatus['observedGeneration'] = oldStatus['observedGeneration'];
  }
  const oldByType = new Map<unknown, unknown[]>();
  for (const condition of objectsAt(oldStatus, 'conditions')) {
    const list = oldByType.get(condition['type']) ?? [];
    list.push(condition['observedGeneration']);
    oldByType.set(condition['type'], list);
  }
  for (const condition of objectsAt(newStatus, 'conditions')) {
    const previous = oldByType.get(condition['type'])?.shift();
    if (!condition['observedGeneration'] && isPositive(previous)) condition['observedGeneration'] = previous;
  }
}

function isPositive(value: unknown): boolean {
  return typeof value === 'number' && value > 0;
}
