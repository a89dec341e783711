/**
 * The pod requests the kubelet makes, with its uid as the precondition so that a pod re-created
 * under the same name is never touched: the status patch, and the final delete (grace 0) once
 * nothing of the pod runs on the node any more.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { ApiError, type KubeClient } from './kube-client/client.js';

function podPath(pod: V1Pod): string {
  const { namespace = 'default', name = '' } = pod.metadata ?? {};
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
}

/** Patches the pod's status; resolves with the pod as stored, or undefined when it is gone. */
export async function patchPodStatus(client: KubeClient, pod: V1Pod, status: Record<string, unknown>): Promise<V1Pod | undefined> {
  try {
    return await client.mergePatch<V1Pod>(`${podPath(pod)}/status`, { metadata: { uid: pod.metadata?.uid }, status });
  } catch (error) {
    if (error instanceof ApiError && error.code === 404) return undefined;
    throw error;
  }
}

/** Deletes the pod for good; a pod already gone (404) or replaced (409) is left alone. */
export async function deletePodNow(client: KubeClient, pod: V1Pod): Promise<void> {
  try {
    await client.delete(podPath(pod), { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
  } catch (error) {
    if (!(error instanceof ApiError && [404, 409].includes(error.code))) throw error;
  }
}
