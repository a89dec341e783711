/**
 * A stand-in for a node's kubelet in an in-process control plane: a Node object, and its pods
 * made Running and Ready once bound (when `ready` says so), and removed once deleted, as a
 * kubelet confirms a graceful deletion. For controller tests that need pods to become available
 * without running containers.
 */
import type { ControlPlane } from '../../src/controlplane/control-plane.js';
import { metaOf, type Obj } from '../../src/controlplane/api/object-meta.js';
import { StatusError } from '../../src/controlplane/api/status-error.js';
import { ADMIN_USER } from '../../src/controlplane/auth/user.js';
import { findResource } from '../../src/controlplane/resources/index.js';

export interface FakeKubelet {
  stop(): void;
}

/** Registers node `name` and acts as its kubelet; `ready` decides which bound pods become Ready. */
export function fakeKubelet(plane: ControlPlane, name: string, ready: (pod: Obj) => boolean = () => true): FakeKubelet {
  const { api } = plane;
  const context = { user: ADMIN_USER };
  const pods = findResource('', 'v1', 'pods')!;
  const nodes = findResource('', 'v1', 'nodes')!;
  api.create(nodes, '', {
    apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } },
    status: { allocatable: { cpu: '8', memory: '16Gi', pods: '110' }, capacity: { cpu: '8', memory: '16Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  }, context);
  const tend = (key: { namespace: string; name: string }): void => {
    const pod = api.find(pods, key.namespace, key.name);
    if (!pod || ((pod['spec'] ?? {}) as { nodeName?: string }).nodeName !== name) return;
    try {
      if (metaOf(pod).deletionTimestamp !== undefined) {
        api.delete(pods, key.namespace, key.name, { gracePeriodSeconds: 0 }, context);
        return;
      }
      const status = (pod['status'] ?? {}) as { phase?: string };
      if (status.phase === 'Running' || !ready(pod)) return;
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      api.mutate(pods, key.namespace, key.name, (p) => ({
        ...p,
        status: {
          ...((p['status'] ?? {}) as Obj), phase: 'Running', startTime: now,
          conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now })),
        },
      }), context, 'status');
    } catch (error) {
      if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
    }
  };
  // After the write that woke it, as a kubelet acts on what it watched.
  const unsubscribe = plane.store.subscribe('pods', (change) => setImmediate(() => tend(change.key)));
  return { stop: unsubscribe };
}
