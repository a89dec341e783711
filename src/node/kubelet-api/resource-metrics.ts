/**
 * The kubelet's resource metrics, `GET /metrics/resource`: what metrics-server scrapes for
 * `kubectl top`. The same families, labels, units and help text as the kubelet's resource
 * metrics collector, in the Prometheus text format (version 0.0.4), from a Summary API snapshot
 * (summary.ts): CPU as cumulative core-seconds, memory as the working set in bytes, each sample
 * stamped with the time it was read (milliseconds).
 */
import { formatValue, labelSet } from '../../api/prometheus-text.js';
import type { ContainerSummary, PodSummary, StatsSummary } from './summary.js';

/** The content type the kubelet (Prometheus' common 0.67) answers its metrics paths with. */
export const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8; escaping=underscores';

type Kind = 'counter' | 'gauge';

export interface Family {
  name: string;
  help: string;
  /** Kubernetes' metrics carry theirs in the help text; the Prometheus client's own (process_*) none. */
  stability: 'STABLE' | 'ALPHA' | undefined;
  kind: Kind;
  samples: Sample[];
}

export interface Sample {
  labels: [string, string][];
  value: number;
  /** When the value was read (an RFC 3339 time); none for start times. */
  time?: string | undefined;
}

export const family = (name: string, kind: Kind, help: string, stability: Family['stability'] = 'STABLE'): Family => ({ name, kind, help, stability, samples: [] });

/** The resource metrics of a snapshot, as the kubelet writes them: families by name, samples by labels. */
export function resourceMetricsText(summary: StatsSummary): string {
  const families = {
    containerCpu: family('container_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the container in core-seconds'),
    containerMemory: family('container_memory_working_set_bytes', 'gauge', 'Current working set of the container in bytes'),
    containerStart: family('container_start_time_seconds', 'gauge', 'Start time of the container since unix epoch in seconds'),
    nodeCpu: family('node_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the node in core-seconds'),
    nodeMemory: family('node_memory_working_set_bytes', 'gauge', 'Current working set of the node in bytes'),
    podCpu: family('pod_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the pod in core-seconds'),
    podMemory: family('pod_memory_working_set_bytes', 'gauge', 'Current working set of the pod in bytes'),
    scrapeError: family('resource_scrape_error', 'gauge', '1 if there was an error while getting container metrics, 0 otherwise'),
  };
  const { node } = summary;
  if (node.cpu?.usageCoreNanoSeconds !== undefined) families.nodeCpu.samples.push({ labels: [], value: node.cpu.usageCoreNanoSeconds / 1e9, time: node.cpu.time });
  if (node.memory?.workingSetBytes !== undefined) families.nodeMemory.samples.push({ labels: [], value: node.memory.workingSetBytes, time: node.memory.time });
  for (const pod of summary.pods) {
    const podLabels: [string, string][] = [['namespace', pod.podRef.namespace], ['pod', pod.podRef.name]];
    for (const container of pod.containers) {
      const labels: [string, string][] = [['container', container.name], ...podLabels];
      addContainer(families, container, labels);
    }
    addUsage(families.podCpu, families.podMemory, pod, podLabels);
  }
  families.scrapeError.samples.push({ labels: [], value: summary.error ? 1 : 0 });
  return exposition(Object.values(families));
}

/** Families in the text format, those without samples left out, in the order given (by name, as the Prometheus client sorts them). */
export function exposition(families: Family[]): string {
  return families.filter((f) => f.samples.length > 0).map(render).join('');
}

function addContainer(families: { containerCpu: Family; containerMemory: Family; containerStart: Family }, container: ContainerSummary, labels: [string, string][]): void {
  const started = Date.parse(container.startTime);
  if (started > 0) families.containerStart.samples.push({ labels, value: started / 1000 });
  addUsage(families.containerCpu, families.containerMemory, container, labels);
}

function addUsage(cpu: Family, memory: Family, of: Pick<PodSummary, 'cpu' | 'memory'>, labels: [string, string][]): void {
  if (of.cpu?.usageCoreNanoSeconds !== undefined) cpu.samples.push({ labels, value: of.cpu.usageCoreNanoSeconds / 1e9, time: of.cpu.time });
  if (of.memory?.workingSetBytes !== undefined) memory.samples.push({ labels, value: of.memory.workingSetBytes, time: of.memory.time });
}

function render(f: Family): string {
  const lines = [`# HELP ${f.name} ${f.stability === undefined ? '' : `[${f.stability}] `}${f.help}`, `# TYPE ${f.name} ${f.kind}`];
  const samples = f.samples.map((s) => {
    const labels = labelSet(s.labels);
    const stamp = s.time === undefined ? '' : ` ${Date.parse(s.time)}`;
    return `${f.name}${labels} ${formatValue(s.value)}${stamp}`;
  });
  samples.sort();
  return `${[...lines, ...samples].join('\n')}\n`;
}

