/**
 * The agent's Node and its heartbeat, as the kubelet keeps them: the Node is created (or, when
 * it exists, its labels and status are taken over), the status is reported periodically, and a
 * Lease in `kube-node-lease` is renewed every 10 seconds.
 */
import { ApiError, type KubeClient } from './kube-client/client.js';
import { nodeLabels, nodeStatus, type Condition, type NodeFacts } from './node-status.js';
import type { NodeTaint } from './node-taints.js';

export const LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;

interface NodeObject {
  metadata: { name: string; uid: string };
  status?: { conditions?: Condition[] };
}

export interface Heartbeat {
  stop(): void;
}

/**
 * Creates or takes over the Node; returns it as stored. `taints` are set when the Node is
 * created only, as the kubelet does: NodeRestriction forbids a node to change its taints later.
 */
export async function registerNode(client: KubeClient, facts: NodeFacts, taints: readonly NodeTaint[] = []): Promise<NodeObject> {
  const status = nodeStatus(facts);
  try {
    const created = await client.create<NodeObject>('/api/v1/nodes', {
      apiVersion: 'v1', kind: 'Node', metadata: { name: facts.name, labels: nodeLabels(facts.name) },
      ...(taints.length > 0 ? { spec: { taints } } : {}),
    });
    return await client.mergePatch<NodeObject>(`/api/v1/nodes/${created.metadata.name}/status`, { status });
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 409)) throw error;
  }
  // Registered before (a restart): keep what others set, renew what the agent owns.
  await client.mergePatch<NodeObject>(`/api/v1/nodes/${facts.name}`, { metadata: { labels: nodeLabels(facts.name) } });
  const existing = await client.get<NodeObject>(`/api/v1/nodes/${facts.name}`);
  return client.strategicPatch<NodeObject>(`/api/v1/nodes/${facts.name}/status`, { status: nodeStatus(facts, existing.status?.conditions ?? []) });
}

/**
 * Renews the node's Lease every `renewMs` and reports its status every `statusMs`, until
 * stopped. Failures are logged and retried at the next tick.
 */
export function startHeartbeat(client: KubeClient, facts: NodeFacts, node: NodeObject, log: (message: string) => void, options: { renewMs?: number; statusMs?: number } = {}): Heartbeat {
  let conditions = node.status?.conditions ?? [];
  const lease = async (): Promise<void> => {
    const path = `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases/${facts.name}`;
    const spec = { holderIdentity: facts.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(new Date()) };
    try {
      await client.mergePatch(path, { spec });
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 404)) throw error;
      await client.create(`/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases`, {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: { name: facts.name, namespace: LEASE_NAMESPACE, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: facts.name, uid: node.metadata.uid }] },
        spec,
      });
    }
  };
  const status = async (): Promise<void> => {
    const updated = await client.strategicPatch<NodeObject>(`/api/v1/nodes/${facts.name}/status`, { status: nodeStatus(facts, conditions) });
    conditions = updated.status?.conditions ?? conditions;
  };
  const guard = (what: string, task: () => Promise<void>) => () => {
    task().catch((error: unknown) => log(`node ${facts.name}: ${what} failed: ${error instanceof Error ? error.message : String(error)}`));
  };
  const renewLease = guard('renewing its lease', lease);
  const reportStatus = guard('reporting its status', status);
  renewLease();
  const timers = [setInterval(renewLease, options.renewMs ?? 10_000), setInterval(reportStatus, options.statusMs ?? 60_000)];
  return { stop: () => timers.forEach(clearInterval) };
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
