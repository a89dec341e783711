/**
 * The Node object an agent registers and keeps up to date, as the kubelet fills it: the well-known
 * labels, addresses, capacity and allocatable, the four conditions, nodeInfo and daemonEndpoints.
 * Pressure conditions use the kubelet's default hard eviction thresholds.
 */
import { readFileSync, statfsSync } from 'node:fs';
import { cpus, freemem, release, totalmem } from 'node:os';
import { nodeArch } from '../api/node-labels.js';
import { versionInfo } from '../version.js';

export const MAX_PODS = 110;

export interface NodeFacts {
  name: string;
  /** The address the kubelet endpoint is reached at (InternalIP). */
  address: string;
  kubeletPort: number;
  /** Where pod data lives: its file system's free space decides DiskPressure. */
  dataDir: string;
  hostpodVersion: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

/** The status fields the agent owns; conditions keep their transition times across reports. */
export function nodeStatus(facts: NodeFacts, previous: readonly Condition[] = [], now = new Date()): Record<string, unknown> {
  const capacity = {
    cpu: String(cpus().length),
    memory: `${Math.floor(totalmem() / 1024)}Ki`,
    pods: String(MAX_PODS),
    'ephemeral-storage': `${Math.floor(diskBytes(facts.dataDir).total / 1024)}Ki`,
  };
  const version = versionInfo().gitVersion;
  return {
    capacity,
    allocatable: capacity,
    conditions: nodeConditions(facts, previous, now),
    addresses: [{ type: 'InternalIP', address: facts.address }, { type: 'Hostname', address: facts.name }],
    daemonEndpoints: { kubeletEndpoint: { Port: facts.kubeletPort } },
    nodeInfo: {
      machineID: readTrimmed('/etc/machine-id'),
      systemUUID: readTrimmed('/sys/class/dmi/id/product_uuid'),
      bootID: readTrimmed('/proc/sys/kernel/random/boot_id'),
      kernelVersion: release(),
      osImage: osImage(),
      containerRuntimeVersion: `hostpod://${facts.hostpodVersion}`,
      kubeletVersion: version,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: nodeArch(),
    },
  };
}

/** Memory, disk and PID pressure by the kubelet's default hard thresholds, and Ready. */
function nodeConditions(facts: NodeFacts, previous: readonly Condition[], now: Date): Condition[] {
  const disk = diskBytes(facts.dataDir);
  const pids = pidUsage();
  const memoryLow = freemem() < 100 * 1024 * 1024;
  const diskLow = disk.total > 0 && disk.free / disk.total < 0.1;
  const pidsLow = pids.max > 0 && pids.used / pids.max > 0.9;
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const make = (type: string, status: Condition['status'], reason: string, message: string): Condition => {
    const before = previous.find((c) => c.type === type);
    return { type, status, reason, message, lastHeartbeatTime: stamp, lastTransitionTime: before && before.status === status && before.lastTransitionTime ? before.lastTransitionTime : stamp };
  };
  return [
    memoryLow
      ? make('MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available (less than 100Mi)')
      : make('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    diskLow
      ? make('DiskPressure', 'True', 'KubeletHasDiskPressure', `kubelet has disk pressure (less than 10% free on the file system of ${facts.dataDir})`)
      : make('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    pidsLow
      ? make('PIDPressure', 'True', 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available (more than 90% of pid_max in use)')
      : make('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    make('Ready', 'True', 'KubeletReady', 'hostpod agent is posting ready status'),
  ];
}

function diskBytes(path: string): { total: number; free: number } {
  try {
    const s = statfsSync(path);
    return { total: s.blocks * s.bsize, free: s.bavail * s.bsize };
  } catch {
    return { total: 0, free: 0 };
  }
}

function pidUsage(): { used: number; max: number } {
  const max = Number(readTrimmed('/proc/sys/kernel/pid_max')) || 0;
  // The fourth field of loadavg is running/total scheduling entities (threads).
  const total = Number(readTrimmed('/proc/loadavg').split(' ')[3]?.split('/')[1] ?? 0) || 0;
  return { used: total, max };
}

function osImage(): string {
  const text = readTrimmed('/etc/os-release');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1];
  return pretty ?? 'Linux';
}

function readTrimmed(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
