/**
 * The kubelet's own admission of a pod bound to its node, before anything runs: the OS, the
 * node's labels and taints, the resources left, and, for hostpod, that the pod is a HostProcess
 * pod (or the pod `kubectl debug node` makes, run as one). A refused pod is set Failed with the reason and message the kubelet uses.
 */
import type { V1PodSpec } from '@kubernetes/client-node';
import type { Obj } from '../api/object.js';
import { isTerminated, matchesNodeSelector, nodeTaints, podRequest, quantity, tolerates, type Toleration } from '../policy/node-fit.js';
import { isHostProcessPod } from '../policy/validation/index.js';
import { isNodeDebugPod } from './node-debug-pod.js';

export interface Rejection {
  reason: string;
  message: string;
}

/** Why the node refuses `pod`, or undefined when it admits it. `others` are the pods it runs. */
export function admitToNode(pod: Obj, node: Obj, others: readonly Obj[]): Rejection | undefined {
  const spec = (pod['spec'] ?? {}) as V1PodSpec & { os?: { name?: string } };
  if (spec.os?.name && spec.os.name !== 'linux') {
    return { reason: 'PodOSNotSupported', message: "Failed to admit pod as the OS field doesn't match node OS" };
  }
  const osSelector = spec.nodeSelector?.['kubernetes.io/os'];
  if (osSelector !== undefined && osSelector !== 'linux') {
    return { reason: 'PodOSSelectorNodeLabelDoesNotMatch', message: "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label" };
  }
  // kubectl debug node's pod runs as a HostProcess pod (node-debug-pod.ts); no other pod does.
  if (!isHostProcessPod(spec) && !isNodeDebugPod(spec)) {
    return {
      reason: 'NotHostProcess',
      message: 'hostpod runs only HostProcess pods: set spec.securityContext.windowsOptions.hostProcess: true (with hostNetwork: true), or run this pod on a node with a container runtime',
    };
  }
  if (!matchesNodeSelector(spec, node)) return { reason: 'NodeAffinity', message: 'Predicate NodeAffinity failed' };
  const tolerations = (spec.tolerations ?? []) as Toleration[];
  if (nodeTaints(node).some((t) => t.effect === 'NoExecute' && !tolerates(tolerations, t))) {
    return { reason: 'TaintToleration', message: 'Predicate TaintToleration failed' };
  }
  return insufficientResources(pod, node, others);
}

/** The kubelet's `OutOf<resource>` rejection when the pod's requests exceed what is left. */
function insufficientResources(pod: Obj, node: Obj, others: readonly Obj[]): Rejection | undefined {
  const allocatable = ((node['status'] as { allocatable?: Record<string, unknown> } | undefined)?.allocatable) ?? {};
  const active = others.filter((p) => !isTerminated(p));
  const maxPods = quantity(allocatable['pods']);
  if (maxPods !== undefined && active.length + 1 > maxPods) {
    return { reason: 'OutOfpods', message: `Node didn't have enough resource: pods, requested: 1, used: ${active.length}, capacity: ${maxPods}` };
  }
  for (const name of ['cpu', 'memory', 'ephemeral-storage']) {
    const capacity = quantity(allocatable[name]);
    const wanted = podRequest(pod, name);
    if (capacity === undefined || wanted === 0) continue;
    const used = active.reduce((sum, p) => sum + podRequest(p, name), 0);
    if (used + wanted > capacity) {
      // cpu in millicores, the rest in bytes, as the kubelet prints them.
      const unit = (n: number): number => (name === 'cpu' ? Math.round(n * 1000) : Math.round(n));
      return { reason: `OutOf${name}`, message: `Node didn't have enough resource: ${name}, requested: ${unit(wanted)}, used: ${unit(used)}, capacity: ${unit(capacity)}` };
    }
  }
  return undefined;
}
