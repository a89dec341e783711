/**
 * The node's CPU and memory statistics, as the kubelet's Summary API has them: the host's from
 * /proc (CPU time of all processors, memory in use less the reclaimable page cache), and each
 * running container's of this node's pods from its cgroup through the runtime. A pod's usage is
 * the sum of its containers' (hostpod has no pod-level cgroup).
 */
import { readFileSync } from 'node:fs';
import type { ContainerInfo, ContainerRuntime } from '../runtime/index.js';
import type { CpuRates } from './cpu-rates.js';
import type { ContainerSummary, CpuStats, MemoryStats, PodSummary, StatsSummary } from './kubelet-api/summary.js';

/** USER_HZ: the unit of /proc/stat's CPU times on every Linux architecture hostpod runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ResourceStatsSource {
  runtime: ContainerRuntime;
  nodeName: string;
  /** When a pod started, as its status says (`status.startTime`). */
  podStartTime?: (namespace: string, name: string) => string | undefined;
  /** The previous readings, for `usageNanoCores`; without it the rates are left out. */
  rates?: CpuRates;
  /** Where /proc is (tests). */
  proc?: string;
  now?: () => Date;
}

/** A snapshot of the node's and its pods' statistics now. */
export function collectStats(source: ResourceStatsSource): StatsSummary {
  const time = (source.now ?? (() => new Date()))().toISOString();
  const proc = source.proc ?? '/proc';
  const errors: string[] = [];
  const attempt = <T>(what: string, read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };
  const stat = attempt(`${proc}/stat`, () => readFileSync(`${proc}/stat`, 'utf8'));
  const meminfo = attempt(`${proc}/meminfo`, () => readFileSync(`${proc}/meminfo`, 'utf8'));
  const node: StatsSummary['node'] = { nodeName: source.nodeName, startTime: bootTime(stat) ?? time };
  const cpu = stat === undefined ? undefined : nodeCpuNanos(stat);
  if (cpu !== undefined) node.cpu = { time, usageCoreNanoSeconds: cpu };
  const memory = meminfo === undefined ? undefined : nodeMemory(meminfo, time);
  if (memory !== undefined) node.memory = memory;

  const owner = `node/${source.nodeName}`;
  const byPod = new Map<string, ContainerInfo[]>();
  for (const info of source.runtime.list()) {
    if (info.owner !== owner || info.init || info.state !== 'running') continue;
    byPod.set(info.podUid, [...(byPod.get(info.podUid) ?? []), info]);
  }
  const pods: PodSummary[] = [];
  for (const [uid, infos] of byPod) {
    const first = infos[0]!;
    const containers = infos.map((info) => attempt(`container ${info.name} of pod ${info.namespace}/${info.pod}`, () => containerSummary(source.runtime, info, time)))
      .filter((c): c is ContainerSummary => c !== undefined);
    const startTime = source.podStartTime?.(first.namespace, first.pod) ?? infos.map((i) => i.createdAt).sort()[0] ?? time;
    const pod: PodSummary = { podRef: { name: first.pod, namespace: first.namespace, uid }, startTime, containers };
    const cpuSum = sum(containers.map((c) => c.cpu?.usageCoreNanoSeconds));
    if (cpuSum !== undefined) pod.cpu = { time, usageCoreNanoSeconds: cpuSum };
    const workingSet = sum(containers.map((c) => c.memory?.workingSetBytes));
    const usage = sum(containers.map((c) => c.memory?.usageBytes));
    if (workingSet !== undefined) pod.memory = { time, workingSetBytes: workingSet, ...(usage === undefined ? {} : { usageBytes: usage }) };
    pods.push(pod);
  }
  if (source.rates) addRates(source.rates, node, pods, Date.parse(time));
  return { node, pods, ...(errors.length === 0 ? {} : { error: errors.join('; ') }) };
}

/** Fills `usageNanoCores` from the previous readings, and forgets those of what is gone. */
function addRates(rates: CpuRates, node: StatsSummary['node'], pods: PodSummary[], atMs: number): void {
  const keys = new Set<string>();
  const fill = (key: string, cpu: CpuStats | undefined): void => {
    if (cpu?.usageCoreNanoSeconds === undefined) return;
    keys.add(key);
    const rate = rates.rate(key, cpu.usageCoreNanoSeconds, atMs);
    if (rate !== undefined) cpu.usageNanoCores = rate;
  };
  fill('node', node.cpu);
  for (const pod of pods) {
    fill(`pod/${pod.podRef.uid}`, pod.cpu);
    for (const container of pod.containers) fill(`pod/${pod.podRef.uid}/${container.name}`, container.cpu);
  }
  rates.retain(keys);
}

function containerSummary(runtime: ContainerRuntime, info: ContainerInfo, time: string): ContainerSummary | undefined {
  const stats = runtime.stats(info.id);
  if (!stats) return undefined;
  const summary: ContainerSummary = { name: info.name, startTime: info.startedAt ?? info.createdAt };
  if (stats.cpuNanos !== undefined) summary.cpu = { time, usageCoreNanoSeconds: stats.cpuNanos } satisfies CpuStats;
  if (stats.memoryBytes !== undefined) {
    summary.memory = { time, usageBytes: stats.memoryBytes, workingSetBytes: stats.workingSetBytes ?? stats.memoryBytes } satisfies MemoryStats;
  }
  return summary;
}

function sum(values: (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? undefined : known.reduce((a, b) => a + b, 0);
}

/** CPU time all processors spent not idle, in nanoseconds: /proc/stat's `cpu` line less idle and iowait (guest time is in user). */
export function nodeCpuNanos(stat: string): number | undefined {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1e9) / CLOCK_TICKS_PER_SECOND;
}

function bootTime(stat: string | undefined): string | undefined {
  const seconds = Number(/^btime (\d+)$/m.exec(stat ?? '')?.[1]);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : undefined;
}

/** The host's memory: in use (total less free), its working set (less inactive page cache), and what is available. */
export function nodeMemory(meminfo: string, time: string): MemoryStats | undefined {
  const kib = (key: string): number | undefined => {
    const value = new RegExp(`^${key.replace(/[()]/g, '\\$&')}:\\s+(\\d+) kB$`, 'm').exec(meminfo)?.[1];
    return value === undefined ? undefined : Number(value) * 1024;
  };
  const total = kib('MemTotal');
  const free = kib('MemFree');
  if (total === undefined || free === undefined) return undefined;
  const usage = total - free;
  const available = kib('MemAvailable');
  return { time, usageBytes: usage, workingSetBytes: Math.max(0, usage - (kib('Inactive(file)') ?? 0)), ...(available === undefined ? {} : { availableBytes: available }) };
}
