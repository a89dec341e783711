/**
 * The agent's Node and its heartbeat, as the kubelet keeps them: the Node is created (or, when
 * it exists, its labels and status are taken over), the status is reported periodically, and a
 * Lease in `kube-node-lease` is renewed every 10 seconds.
 */
import { ApiError, type KubeClient } from './kube-client/client.js';
import { nodeLabels } from '../api/node-labels.js';
import { nodeStatus, type Condition, type NodeFacts } from './node-status.js';
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

/** What a status report says, without the heartbeat times that change with every report. */
function substance(status: Record<string, unknown>): string {
  const conditions = (status['conditions'] as Condition[] | undefined ?? []).map(({ lastHeartbeatTime: _h, ...rest }) => rest);
  return JSON.stringify({ ...status, conditions });
}

export interface HeartbeatOptions {
  /** How often the Lease is renewed (the kubelet: 10 s). */
  renewMs?: number;
  /** How often the status is computed (the kubelet's nodeStatusUpdateFrequency: 10 s). */
  statusMs?: number;
  /** The longest time between two reports when nothing changed (its nodeStatusReportFrequency: 5 min). */
  reportMs?: number;
}

/**
 * Renews the node's Lease every `renewMs`; computes the status every `statusMs` and reports it
 * when it changed, or when `reportMs` passed since the last report, as the kubelet does since the
 * Lease became the heartbeat: an idle node costs the API server six Lease updates a minute.
 * After a renewal was missed (the API server unreachable, the agent stalled) the status is
 * reported at the next tick, since the node lifecycle controller may have marked the node
 * Unknown meanwhile and only the node sets it Ready again. (The kubelet compares with its watched
 * Node instead; the agent keeps no watch on its Node.) Failures are logged and retried at the
 * next tick.
 */
export function startHeartbeat(client: KubeClient, facts: NodeFacts, node: NodeObject, log: (message: string) => void, options: HeartbeatOptions = {}): Heartbeat {
  const renewMs = options.renewMs ?? 10_000;
  let conditions = node.status?.conditions ?? [];
  // registerNode has just reported the status.
  let reported = { substance: substance(nodeStatus(facts, conditions)), at: Date.now() };
  let renewed = Date.now();
  let missed = false;
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
    if (Date.now() - renewed > 2 * renewMs) missed = true;
    renewed = Date.now();
  };
  const status = async (): Promise<void> => {
    const next = nodeStatus(facts, conditions);
    const what = substance(next);
    if (!missed && what === reported.substance && Date.now() - reported.at < (options.reportMs ?? 5 * 60_000)) return;
    const updated = await client.strategicPatch<NodeObject>(`/api/v1/nodes/${facts.name}/status`, { status: next });
    conditions = updated.status?.conditions ?? conditions;
    reported = { substance: what, at: Date.now() };
    missed = false;
  };
  const guard = (what: string, task: () => Promise<void>) => () => {
    task().catch((error: unknown) => log(`node ${facts.name}: ${what} failed: ${error instanceof Error ? error.message : String(error)}`));
  };
  const renewLease = guard('renewing its lease', lease);
  const reportStatus = guard('reporting its status', status);
  renewLease();
  const timers = [setInterval(renewLease, renewMs), setInterval(reportStatus, options.statusMs ?? 10_000)];
  return { stop: () => timers.forEach(clearInterval) };
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
