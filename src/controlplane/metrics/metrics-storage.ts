/**
 * The latest two points of each node and container, and the usage they give, as
 * metrics-server's storage keeps them: a point moves to "previous" when a newer one comes, a
 * container that restarted (started after the point kept) starts over, and CPU is the rate
 * between the two cumulative readings. Until a node or a pod has two, it has no metrics.
 */
import type { MetricsBatch, MetricsPoint, PodPoints } from './metrics-batch.js';

export interface Usage {
  /** The CPU rate over the window, in nanocores. */
  cpuNanoCores: number;
  memoryBytes: number;
  swapBytes: number;
}

export interface TimedUsage<T> {
  /** When the later reading was taken (ms). */
  timestampMs: number;
  /** The time between the two readings (ms). */
  windowMs: number;
  usage: T;
}

export interface ContainerUsage {
  name: string;
  usage: Usage;
}

/**
 * metrics-server's freshContainerMinMetricsResolution: a container first seen between 10 s and
 * one resolution after it started gets a rate from its start (CPU 0 then); a younger one's first
 * figures would be too rough.
 */
const FRESH_CONTAINER_MIN_MS = 10_000;

export class MetricsStorage {
  /** The scrape interval, for the fresh-container rule. */
  constructor(readonly resolutionMs = 15_000) {}

  #lastNodes = new Map<string, MetricsPoint>();
  #prevNodes = new Map<string, MetricsPoint>();
  #lastPods = new Map<string, PodPoints>();
  #prevPods = new Map<string, Map<string, MetricsPoint>>();

  /** Keeps one round of scrapes, by node name; nodes and pods not in it are forgotten. */
  store(batches: ReadonlyMap<string, MetricsBatch>): void {
    const lastNodes = new Map<string, MetricsPoint>();
    const prevNodes = new Map<string, MetricsPoint>();
    const lastPods = new Map<string, PodPoints>();
    const prevPods = new Map<string, Map<string, MetricsPoint>>();
    for (const [nodeName, batch] of batches) {
      if (batch.node) {
        lastNodes.set(nodeName, batch.node);
        const kept = successor(batch.node, this.#lastNodes.get(nodeName), this.#prevNodes.get(nodeName));
        if (kept) prevNodes.set(nodeName, kept);
      }
      for (const [key, pod] of batch.pods) {
        if (lastPods.has(key)) continue; // the same pod from two nodes: the first one counts
        lastPods.set(key, pod);
        const previous = new Map<string, MetricsPoint>();
        for (const [name, point] of pod.containers) {
          const age = point.timestampMs - point.startTimeMs;
          if (point.startTimeMs > 0 && age >= FRESH_CONTAINER_MIN_MS && age < this.resolutionMs) {
            previous.set(name, { ...point, timestampMs: point.startTimeMs, cumulativeCpu: 0 });
            continue;
          }
          const last = this.#lastPods.get(key)?.containers.get(name);
          // A container started after the point kept has restarted: its counter began again.
          if (last && point.startTimeMs >= last.timestampMs) continue;
          const kept = successor(point, last, this.#prevPods.get(key)?.get(name));
          if (kept) previous.set(name, kept);
        }
        if (previous.size > 0) prevPods.set(key, previous);
      }
    }
    this.#lastNodes = lastNodes;
    this.#prevNodes = prevNodes;
    this.#lastPods = lastPods;
    this.#prevPods = prevPods;
  }

  /** A node's usage, once two readings of it are kept. */
  node(name: string): TimedUsage<Usage> | undefined {
    const last = this.#lastNodes.get(name);
    const prev = this.#prevNodes.get(name);
    return last && prev ? usageBetween(last, prev) : undefined;
  }

  /** A pod's containers' usage, once every container has two readings; the earliest container's time. */
  pod(namespace: string, name: string): TimedUsage<ContainerUsage[]> | undefined {
    const key = `${namespace}/${name}`;
    const last = this.#lastPods.get(key);
    const prev = this.#prevPods.get(key);
    if (!last || !prev) return undefined;
    const containers: ContainerUsage[] = [];
    let earliest: TimedUsage<Usage> | undefined;
    for (const [container, point] of last.containers) {
      const before = prev.get(container);
      if (!before) return undefined;
      const usage = usageBetween(point, before);
      if (!usage) continue;
      containers.push({ name: container, usage: usage.usage });
      if (!earliest || usage.timestampMs < earliest.timestampMs) earliest = usage;
    }
    if (!earliest) return undefined;
    return { timestampMs: earliest.timestampMs, windowMs: earliest.windowMs, usage: containers };
  }
}

/** The point to keep as "previous" when `next` arrives: the last one if `next` is newer, else the previous one if older than `next`. */
function successor(next: MetricsPoint, last: MetricsPoint | undefined, prev: MetricsPoint | undefined): MetricsPoint | undefined {
  if (!last) return undefined;
  if (next.timestampMs > last.timestampMs) return last;
  if (prev && prev.timestampMs < next.timestampMs) return prev;
  return undefined;
}

function usageBetween(last: MetricsPoint, prev: MetricsPoint): TimedUsage<Usage> | undefined {
  if (last.startTimeMs < prev.startTimeMs || last.cumulativeCpu < prev.cumulativeCpu) return undefined;
  const windowMs = last.timestampMs - prev.timestampMs;
  if (windowMs <= 0) return undefined;
  return {
    timestampMs: last.timestampMs,
    windowMs,
    usage: { cpuNanoCores: ((last.cumulativeCpu - prev.cumulativeCpu) / windowMs) * 1000, memoryBytes: last.memoryBytes, swapBytes: last.swapBytes },
  };
}
