/**
 * Binding a pod to a node (`pods/binding`, as kube-scheduler does it): sets `spec.nodeName` once,
 * and marks the pod scheduled.
 */
import type { ObjectApi, RequestContext } from '../api/object-api.js';
import { isObject, timestamp, type Obj } from '../api/object-meta.js';
import { badRequest, conflict } from '../api/status-error.js';
import { pods } from './definitions/pods.js';

/**
 * Binds a pod as a Binding (already decoded, as every write's body is) says; a dry run changes
 * nothing.
 * @throws StatusError 404 (no pod), 409 (already bound), 400 (no target)
 */
export function bindPod(api: ObjectApi, namespace: string, name: string, binding: Obj, context: RequestContext): Obj {
  const target = isObject(binding['target']) ? binding['target'] : undefined;
  const node = typeof target?.['name'] === 'string' ? target['name'] : '';
  if (node === '') throw badRequest('Binding.target.name is required: the name of the node to bind the pod to');
  api.getShared(pods, namespace, name);
  const bound = api.mutate(pods, namespace, name, (pod) => {
    const spec = (pod['spec'] ?? {}) as { nodeName?: string };
    if (spec.nodeName) throw conflict(pods, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    const status = (pod['status'] ?? {}) as { conditions?: Obj[] };
    const conditions = (status.conditions ?? []).filter((c) => c['type'] !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(api.now()) });
    return { ...pod, spec: { ...spec, nodeName: node }, status: { ...status, conditions } };
  }, context, 'binding', { shared: true });
  return bound!;
}
