/**
 * One scrape of a kubelet's `/metrics/resource`, read as metrics-server's decoder reads it: the
 * node's cumulative CPU and working set, and each container's, with the time each was measured.
 * A node or container whose CPU or memory is missing or zero is left out, as metrics-server
 * drops incomplete points (a pod with one incomplete container is left out whole).
 */
import { parsePrometheusSamples } from './prometheus-text.js';

/** What a kubelet measured of a node or a container at one time. */
export interface MetricsPoint {
  /** When the container started (ms); 0 when not known (nodes). */
  startTimeMs: number;
  /** When it was measured (ms). */
  timestampMs: number;
  /** Cumulative CPU time, in nanocore-seconds. */
  cumulativeCpu: number;
  /** The working set, in bytes. */
  memoryBytes: number;
  swapBytes: number;
}

export interface PodPoints {
  namespace: string;
  name: string;
  containers: Map<string, MetricsPoint>;
}

/** A node's scrape: its own point (if complete), and its pods' by `namespace/name`. */
export interface MetricsBatch {
  node?: MetricsPoint;
  pods: Map<string, PodPoints>;
}

const emptyPoint = (): MetricsPoint => ({ startTimeMs: 0, timestampMs: 0, cumulativeCpu: 0, memoryBytes: 0, swapBytes: 0 });

/**
 * Reads a scrape; `scrapedAtMs` stands for samples without a timestamp.
 * @throws Error when the text is not the exposition format
 */
export function decodeBatch(text: string, scrapedAtMs: number): MetricsBatch {
  const node = emptyPoint();
  const pods = new Map<string, PodPoints>();
  const container = (labels: Record<string, string>): MetricsPoint => {
    const namespace = labels['namespace'] ?? '';
    const name = labels['pod'] ?? '';
    const key = `${namespace}/${name}`;
    let pod = pods.get(key);
    if (!pod) pods.set(key, (pod = { namespace, name, containers: new Map() }));
    const containerName = labels['container'] ?? '';
    let point = pod.containers.get(containerName);
    if (!point) pod.containers.set(containerName, (point = emptyPoint()));
    return point;
  };
  for (const sample of parsePrometheusSamples(text)) {
    const at = sample.timestampMs ?? scrapedAtMs;
    switch (sample.name) {
      case 'node_cpu_usage_seconds_total':
        node.cumulativeCpu = sample.value * 1e9;
        node.timestampMs = at;
        break;
      case 'node_memory_working_set_bytes':
        node.memoryBytes = sample.value;
        node.timestampMs = at;
        break;
      case 'node_swap_usage_bytes':
        node.swapBytes = sample.value;
        node.timestampMs = at;
        break;
      case 'container_cpu_usage_seconds_total': {
        const point = container(sample.labels);
        point.cumulativeCpu = sample.value * 1e9;
        point.timestampMs = at;
        break;
      }
      case 'container_memory_working_set_bytes': {
        const point = container(sample.labels);
        point.memoryBytes = sample.value;
        point.timestampMs = at;
        break;
      }
      case 'container_swap_usage_bytes': {
        const point = container(sample.labels);
        point.swapBytes = sample.value;
        point.timestampMs = at;
        break;
      }
      case 'container_start_time_seconds':
        container(sample.labels).startTimeMs = sample.value * 1000;
        break;
      default:
        break;
    }
  }
  const batch: MetricsBatch = { pods: new Map() };
  if (node.timestampMs !== 0 && node.cumulativeCpu !== 0 && node.memoryBytes !== 0) batch.node = node;
  for (const [key, pod] of pods) {
    const points = [...pod.containers.values()];
    if (points.length > 0 && points.every((p) => p.cumulativeCpu !== 0 && p.memoryBytes !== 0)) batch.pods.set(key, pod);
  }
  return batch;
}
