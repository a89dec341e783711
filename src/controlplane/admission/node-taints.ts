/** TaintNodesByCondition, kube-apiserver's admission plugin for new nodes. */
import { cloneJson, ensureObject, isJsonObject, type JsonObject } from '../../api/defaults/json.js';

/** A new node is created with the not-ready NoSchedule taint (once), until its kubelet reports ready. */
export function admitNodeTaints(node: JsonObject): JsonObject {
  const admitted = cloneJson(node);
  const spec = ensureObject(admitted, 'spec');
  const taints = Array.isArray(spec['taints']) ? (spec['taints'] as unknown[]) : [];
  const tainted = taints.some((t) => isJsonObject(t) && t['key'] === 'node.kubernetes.io/not-ready' && t['effect'] === 'NoSchedule');
  if (!tainted) spec['taints'] = [...taints, { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }];
  return admitted;
}
