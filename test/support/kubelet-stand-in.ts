/**
 * A stand-in for the node agent (issue 6), through the Kubernetes API only: registers a Ready
 * node, marks the pods bound to it Running and Ready, and confirms graceful deletions by
 * deleting with grace period 0, as the kubelet does once containers have stopped.
 */
import type { ControlPlane } from '../../src/controlplane/control-plane.js';
import { api } from './controlplane.js';

export interface StandIn {
  stop(): void;
}

export async function registerNode(plane: ControlPlane, name: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}): Promise<void> {
  const response = await api(plane, 'POST', '/api/v1/nodes', {
    body: {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': name, ...labels } },
      ...extra,
      status: {
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'stand-in kubelet is posting ready status' }],
        capacity: { cpu: '2', memory: '4Gi', pods: '110' },
        allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: name }],
      },
    },
  });
  if (response.status !== 201) throw new Error(`registering node ${name}: ${response.status} ${response.body}`);
}

/** Polls the pods of `node` and plays the kubelet's part for them until stopped. */
export function runStandIn(plane: ControlPlane, node: string): StandIn {
  let stopped = false;
  const loop = async (): Promise<void> => {
    while (!stopped) {
      const list = await api(plane, 'GET', `/api/v1/pods?fieldSelector=spec.nodeName=${node}`);
      const items = (list.json()['items'] ?? []) as { metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string }; spec: { containers: { name: string; image: string }[] }; status?: { phase?: string } }[];
      for (const pod of items) {
        const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
        if (pod.metadata.deletionTimestamp) {
          await api(plane, 'DELETE', path, { body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } } });
        } else if (pod.status?.phase !== 'Running') {
          const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
          await api(plane, 'PATCH', `${path}/status`, {
            contentType: 'application/merge-patch+json',
            body: {
              status: {
                phase: 'Running', hostIP: '127.0.0.1', podIP: '127.0.0.1', startTime: now,
                conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastTransitionTime: now })),
                containerStatuses: pod.spec.containers.map((c) => ({ name: c.name, image: c.image, imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } })),
              },
            },
          });
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  void loop().catch(() => {});
  return { stop: () => { stopped = true; } };
}
