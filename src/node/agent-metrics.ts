/**
 * The agent's own metrics, `GET /metrics` on the kubelet endpoint: the kubelet's gauges of what
 * runs on the node (`kubelet_node_name`, `kubelet_running_pods`, `kubelet_running_containers`
 * by state) and the Prometheus client's process metrics of the agent itself, with the kubelet's
 * names, help text and labels.
 */
import type { ContainerInfo } from '../runtime/index.js';
import { exposition, family } from './kubelet-api/resource-metrics.js';

export interface AgentMetricsSource {
  nodeName: string;
  /** The runtime's containers this node's agent started (owner `node/NAME`). */
  containers: readonly ContainerInfo[];
}

export function agentMetricsText(source: AgentMetricsSource): string {
  const nodeName = family('kubelet_node_name', 'gauge', 'The node\'s name. The count is always 1.', 'ALPHA');
  nodeName.samples.push({ labels: [['node', source.nodeName]], value: 1 });
  const running = source.containers.filter((c) => c.state === 'running');
  const pods = family('kubelet_running_pods', 'gauge', 'Number of pods that have a running pod sandbox', 'ALPHA');
  pods.samples.push({ labels: [], value: new Set(running.map((c) => c.podUid)).size });
  const containers = family('kubelet_running_containers', 'gauge', 'Number of containers currently running', 'ALPHA');
  const byState = new Map<string, number>();
  for (const c of source.containers) byState.set(c.state, (byState.get(c.state) ?? 0) + 1);
  for (const [state, count] of byState) containers.samples.push({ labels: [['container_state', state]], value: count });

  const { user, system } = process.cpuUsage();
  const cpu = family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', undefined);
  cpu.samples.push({ labels: [], value: (user + system) / 1e6 });
  const rss = family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', undefined);
  rss.samples.push({ labels: [], value: process.memoryUsage.rss() });
  const start = family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', undefined);
  start.samples.push({ labels: [], value: Math.floor(Date.now() / 1000 - process.uptime()) });
  return exposition([nodeName, containers, pods, cpu, rss, start]);
}
