/**
 * The kubelet's Summary API (`GET /stats/summary`, stats/v1alpha1), the part hostpod fills: the
 * node's and each running pod's and container's CPU and memory. Times are RFC 3339; CPU is
 * cumulative (`usageCoreNanoSeconds`); memory's `workingSetBytes` is the usage less the
 * reclaimable page cache, as the kubelet counts it.
 */

export interface CpuStats {
  time: string;
  /** The rate since the previous reading, in billionths of a core; absent on the first. */
  usageNanoCores?: number;
  usageCoreNanoSeconds?: number;
}

export interface MemoryStats {
  time: string;
  usageBytes?: number;
  workingSetBytes?: number;
  availableBytes?: number;
}

export interface ContainerSummary {
  name: string;
  startTime: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerSummary[];
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface StatsSummary {
  node: { nodeName: string; startTime: string; cpu?: CpuStats; memory?: MemoryStats };
  pods: PodSummary[];
  /** Set when some statistics could not be read (the metrics' `resource_scrape_error` 1); not part of the JSON. */
  error?: string;
}

/** The Summary API's JSON: the snapshot without hostpod's error note. */
export function summaryJson(summary: StatsSummary): string {
  return JSON.stringify({ node: summary.node, pods: summary.pods });
}
