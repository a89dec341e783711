/**
 * What a container's end could not contain, in words a user acts on: processes that had left some
 * of its cgroups (so its limits did not hold for them there), processes that could not be killed,
 * cgroups that could not be removed. Each warning names the container.
 */
import type { ContainerCgroup, KillResult } from './cgroup/index.js';
import type { ContainerRecord, ExitFile } from './container.js';

function containerName(record: ContainerRecord): string {
  return `container ${record.id.slice(0, 12)} (pod ${record.pod.namespace}/${record.pod.name}, container ${record.name})`;
}

/** The warnings of a container's end: from its monitor's exit file, hostpod's own kill and the cgroups' removal. */
export function containmentWarnings(record: ContainerRecord, exit: ExitFile, killed: KillResult, leftovers: readonly string[], cgroup: ContainerCgroup): string[] {
  const escaped = new Map<number, { command: string; left: Set<string> }>();
  const add = (pid: number, command: string, left: readonly string[]): void => {
    const entry = escaped.get(pid) ?? { command, left: new Set<string>() };
    for (const hierarchy of left) entry.left.add(hierarchy);
    escaped.set(pid, entry);
  };
  for (const e of exit.escaped) {
    const procs = record.cgroup.files.procs[e.hierarchy];
    add(e.pid, e.command, [procs === undefined ? `#${e.hierarchy}` : cgroup.hierarchyOf(procs)]);
  }
  for (const e of killed.escaped) add(e.pid, e.command, e.left);
  const who = containerName(record);
  return [
    ...[...escaped].map(([pid, e]) => `${who}: process ${pid} (${e.command}) had left its ${[...e.left].join(' and ')} cgroup, out of the container's limits there; it was killed with the container`),
    ...(killed.survivors.length > 0 ? [`${who}: processes ${killed.survivors.join(', ')} could not be killed (uninterruptible?); they are left running`] : []),
    ...leftovers.map((problem) => `${who}: cgroup ${problem} could not be removed`),
  ];
}
