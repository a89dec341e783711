/**
 * The job of a HostProcess container on Linux: one cgroup per container under hostpod's own
 * subtree. One interface, two hierarchies (v1.ts, v2.ts); `detect.ts` picks the host's.
 */

/** Limits a container's cgroup enforces; undefined means unlimited. */
export interface CgroupLimits {
  /** `limits.memory`, in bytes. */
  memoryBytes?: number | undefined;
  /** `limits.cpu`, in millicores: a CFS quota of this share of one CPU per period. */
  cpuMillis?: number | undefined;
  /** The most tasks (processes and threads) the container may have. */
  pids?: number | undefined;
}

export interface CgroupStats {
  /** Memory in use now, in bytes. */
  memoryBytes: number | undefined;
  /** Page cache the kernel can reclaim first (memory.stat's inactive_file): in use minus this is the kubelet's working set. */
  inactiveFileBytes: number | undefined;
  /** CPU time used so far, in nanoseconds. */
  cpuNanos: number | undefined;
  /** Times the kernel's OOM killer killed a process of the container. */
  oomKills: number;
  /** Processes in the cgroup now. */
  processes: number;
}

/** What the monitor needs to place the workload and kill it (paths of cgroup files). */
export interface CgroupFiles {
  /** Every `cgroup.procs` the workload joins (one per hierarchy on v1). The first is the one to list. */
  procs: string[];
  /** v2's `cgroup.kill`, when the kernel has it. */
  kill?: string | undefined;
  /** v1's `freezer.state`, when the freezer hierarchy is mounted. */
  freeze?: string | undefined;
}

/** A process found in some of a container's cgroups but not in all: it had left the others (v1). */
export interface CgroupEscape {
  pid: number;
  command: string;
  /** The hierarchies it had left, by their controllers (`memory`, `cpu,cpuacct`). */
  left: string[];
}

export interface KillResult {
  /** Every cgroup of the container, nested ones included, is empty. */
  empty: boolean;
  /** Processes that had left some of the container's hierarchies; they were killed with the rest. */
  escaped: CgroupEscape[];
  /** Pids still there when the kill gave up. */
  survivors: number[];
}

/**
 * One container's cgroup: a directory per hierarchy (one on v2), and whatever cgroups the
 * workload nested under them. Its processes are those in any of them.
 */
export interface ContainerCgroup {
  readonly files: CgroupFiles;
  /** The directories that make it up (one per hierarchy on v1). */
  readonly dirs: string[];
  /** The hierarchy of one of `dirs` (or of `files.procs`), by its controllers, for messages. */
  hierarchyOf(path: string): string;
  stats(): CgroupStats;
  /** The pids in any of the container's cgroups, nested ones included. */
  pids(): number[];
  /** Kills everything in every cgroup of the container and waits until they are empty (at most `timeoutMs`). */
  kill(timeoutMs?: number): Promise<KillResult>;
  /**
   * Removes the cgroup's directories and those nested under them, deepest first (after `kill`).
   * @returns what could not be removed, and why; it never throws
   */
  remove(): string[];
}

export interface CgroupDriver {
  readonly version: 'v1' | 'v2';
  /** The root of hostpod's subtree, for messages. */
  readonly describeRoot: string;
  /** Controllers the subtree can use (memory, cpu, pids, ...). */
  controllers(): Set<string>;
  /**
   * Creates the container's cgroup with its limits.
   * @throws HostpodError when a limit needs a controller the host does not offer.
   */
  create(id: string, limits: CgroupLimits): ContainerCgroup;
  /** The cgroup of an existing container (it may be gone). */
  open(id: string): ContainerCgroup;
  /**
   * Container ids that have a cgroup under hostpod's subtree: those of every instance that shares
   * the subtree (the default `hostpod` is shared by every data directory), not only this one's.
   * Never sweep from it: the runtime opens only the cgroups of its own containers, by id.
   */
  list(): string[];
}
