/** What a job container is: its summary from its records and, while it runs, its cgroup. */
import { HostpodError } from '../../errors.js';
import { nsToIso } from '../container.js';
import type { ContainerInfo, ContainerLog, ContainerStats } from '../index.js';
import type { LinuxRuntime } from './linux-runtime.js';

/** One container's summary; with `stats: false`, without reading its cgroup. */
export function inspectContainer(rt: LinuxRuntime, id: string, options: { stats?: boolean } = {}): ContainerInfo {
  const record = rt.containers.record(id);
  const state = rt.containers.state(id);
  const status = rt.containers.status(id);
  const exit = status ? undefined : rt.containers.exit(id);
  const stats = state === 'running' && options.stats !== false ? rt.cgroups.open(id).stats() : undefined;
  return {
    id,
    name: record.name,
    pod: record.pod.name,
    namespace: record.pod.namespace,
    podUid: record.pod.uid,
    init: record.init,
    restartCount: record.restartCount,
    owner: record.owner,
    image: record.image.name,
    imageId: record.image.id,
    state,
    exitCode: status?.exitCode ?? exit?.exitCode,
    reason: status?.reason,
    createdAt: record.createdAt,
    startedAt: status?.startedAt ?? nsToIso(rt.containers.initPid(id)?.startedAtNs),
    finishedAt: status?.finishedAt ?? nsToIso(exit?.finishedAtNs),
    memoryBytes: stats?.memoryBytes,
    cpuNanos: stats?.cpuNanos ?? status?.cpuNanos,
    memoryLimit: record.memoryLimit,
    ...(status?.warnings ? { warnings: status.warnings } : {}),
    ...(record.mountPoints ? { mountPoints: record.mountPoints } : {}),
  };
}

/** Every container, oldest first. */
export function listContainers(rt: LinuxRuntime): ContainerInfo[] {
  return rt.containers
    .ids()
    .map((id) => inspectContainer(rt, id))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Finds a container by full id, unique id prefix, or name (the newest of that name). */
export function resolveContainer(rt: LinuxRuntime, query: string): string {
  const ids = rt.containers.ids();
  if (ids.includes(query)) return query;
  const byPrefix = query.length >= 4 ? ids.filter((id) => id.startsWith(query)) : [];
  if (byPrefix.length === 1 && byPrefix[0] !== undefined) return byPrefix[0];
  if (byPrefix.length > 1) throw new HostpodError('ERR_HOSTPOD_NO_CONTAINER', `container id prefix ${query} is ambiguous (${byPrefix.length} containers)`, { hint: 'give more of the id' });
  const byName = listContainers(rt).filter((c) => c.name === query || `${c.pod}/${c.name}` === query);
  const newest = byName.at(-1);
  if (newest) return newest.id;
  throw new HostpodError('ERR_HOSTPOD_NO_CONTAINER', `no container "${query}"`, { hint: 'hostpod ps lists containers (ids, names and pod/name)' });
}

/** Memory and CPU from the cgroup while it runs; undefined once it has ended. */
export function containerStats(rt: LinuxRuntime, id: string): ContainerStats | undefined {
  if (rt.containers.state(id) !== 'running') return undefined;
  const { memoryBytes, inactiveFileBytes, cpuNanos } = rt.cgroups.open(id).stats();
  const workingSetBytes = memoryBytes === undefined ? undefined : Math.max(0, memoryBytes - (inactiveFileBytes ?? 0));
  return { memoryBytes, workingSetBytes, cpuNanos };
}

export function containerLog(rt: LinuxRuntime, id: string): ContainerLog {
  const { logPath } = rt.containers.record(id);
  return { path: logPath, live: () => rt.containers.state(id) !== 'exited' };
}
