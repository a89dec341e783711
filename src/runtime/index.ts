/**
 * The container runtime as the rest of hostpod sees it: `hostpod run`, the container commands and
 * the node agent drive containers only through `ContainerRuntime`, as the kubelet drives a CRI
 * runtime. A runtime's records, monitor processes and on-disk layout are its own business.
 *
 * `LinuxRuntime` (linux/) is the job-container runtime for Linux hosts: a host process per
 * container in its own cgroup, under its account, with its sandbox and mounts. A second backend
 * (Windows job objects, say) implements the same interface and runs the same contract suite
 * (test/runtime/contract/container-runtime.contract.ts).
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { ApiObjects } from './command.js';
import type { ContainerState, ContainerStatus } from './container.js';
import type { ContainerAttach } from './monitor/attach-client.js';
import type { MountMode } from './mount-mode.js';

export type { ContainerState, ContainerStatus } from './container.js';
export { MOUNT_MODE_ANNOTATION, type MountMode } from './mount-mode.js';
export { LinuxRuntime, hostIP } from './linux/linux-runtime.js';
export { exitCodeOf } from './exit-code.js';
export type { ContainerAttach, OutputStream } from './monitor/attach-client.js';
export { ContainerStartError } from './start-error.js';

export interface StartRequest {
  pod: V1Pod;
  container: V1Container;
  init: boolean;
  restartCount: number;
  /** The pod's directory (emptyDir volumes live there): `podDir(uid)`. */
  podDir: string;
  mountMode: MountMode;
  /** The node agent's: ConfigMaps, Secrets and service variables for the environment. */
  api?: ApiObjects;
  /** The node agent's: directories it wrote for configMap, secret, downwardAPI and projected volumes, by volume name. */
  volumeDirs?: ReadonlyMap<string, string>;
  /** The address the pod reports (the node's); found from the interfaces when absent. */
  hostIP?: string;
  /** Recorded with the container: who looks after it (`node/NAME`). */
  owner?: string;
}

/** A pod as the runtime names its files: `<namespace>_<name>_<uid>`. */
export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface ContainerInfo {
  id: string;
  name: string;
  pod: string;
  namespace: string;
  podUid: string;
  /** An init container (run to completion before the others). */
  init: boolean;
  restartCount: number;
  /** Who looks after it (`node/NAME`), absent for `hostpod run`'s. */
  owner: string | undefined;
  image: string;
  /** The image's config digest, as the kubelet reports `imageID`. */
  imageId: string;
  state: ContainerState;
  exitCode: number | undefined;
  reason: string | undefined;
  createdAt: string;
  startedAt: string | undefined;
  finishedAt: string | undefined;
  memoryBytes: number | undefined;
  cpuNanos: number | undefined;
  /** Its `limits.memory`, in bytes. */
  memoryLimit: number | undefined;
  /** What its end could not contain (see ContainerStatus.warnings). */
  warnings?: string[] | undefined;
  /** Bind mode's mount points that were missing on the host: made in the container's private view, or created on the host and removed when no container uses them. */
  mountPoints?: { path: string; view: 'private' | 'created'; reason?: string }[] | undefined;
}

export interface ContainerStats {
  /** Memory in use now, in bytes. */
  memoryBytes: number | undefined;
  /** Memory in use minus the reclaimable page cache (inactive_file), as the kubelet reports a working set. */
  workingSetBytes?: number | undefined;
  /** CPU time used so far, in nanoseconds. */
  cpuNanos: number | undefined;
}

/** Where a container's output is (CRI log format), and whether more may come. */
export interface ContainerLog {
  path: string;
  live(): boolean;
}

export interface ReconcileResult {
  /** Containers that had ended while nobody watched, now finalized. */
  collected: string[];
  /** Containers whose monitor died: their processes are killed and their status is unknown. */
  lost: string[];
  /** Temporary users a crash left behind, now deleted. */
  removedUsers: string[];
  /** What the collected and lost containers could not contain (see ContainerStatus.warnings). */
  warnings: string[];
}

export interface ContainerRuntime {
  /** Where the runtime keeps containers, images and logs: the node reports its file system as ephemeral-storage. */
  readonly dataDir: string;
  /** A pod's directory on this host (emptyDir volumes, the agent's projected volumes). */
  podDir(uid: string): string;
  /** Makes the pod's directory, when missing, with its modes; returns it. */
  preparePod(uid: string): string;
  /** Removes a pod's directory (unmounting its memory-backed emptyDirs) and, with `logs`, its log directory. */
  removePod(uid: string, logs?: PodRef): void;

  /**
   * Starts one container of a pod; resolves when its workload runs, with its summary from its
   * records (no usage: a container that has just started has none worth reading its cgroup for;
   * `inspect` and `stats` read it).
   * @throws HostpodError naming the pod, container and field when it cannot start; nothing is left behind.
   */
  start(request: StartRequest): Promise<ContainerInfo>;
  /** Its stop signal, then after the grace period (the pod's unless given) the whole tree is killed. Resolves with the final status. */
  stop(id: string, graceSeconds?: number): Promise<ContainerStatus>;
  /** Waits until the container has ended, then finalizes it. */
  wait(id: string, signal?: AbortSignal): Promise<ContainerStatus>;
  /**
   * Finalizes a container that ended (or whose supervision was lost) and returns its status;
   * `undefined` while it still runs. Idempotent.
   */
  collect(id: string): Promise<ContainerStatus | undefined>;

  /** created, running or exited: cheap, for polling. */
  state(id: string): ContainerState;
  /** The final status, once the container has ended and was finalized. */
  finalStatus(id: string): ContainerStatus | undefined;
  /** True when the container should be running but nothing supervises it any more (collect records it as lost). */
  isOrphaned(id: string): boolean;
  /**
   * One container's summary. `stats: false` leaves out what its cgroup holds (memory, CPU): the
   * records alone, for callers that only need its state and identity (the agent's pod status).
   */
  inspect(id: string, options?: { stats?: boolean }): ContainerInfo;
  /** Every container, oldest first. */
  list(): ContainerInfo[];
  /** The container ids, unordered and without reading their details. */
  ids(): string[];
  /** The ids of the pod's containers (by pod uid), unordered: cheap, reading no container's state. */
  podContainers(podUid: string): string[];
  /** Finds a container by full id, unique id prefix, or name (the newest of that name). */
  resolve(query: string): string;
  stats(id: string): ContainerStats | undefined;
  logs(id: string): ContainerLog;

  /** Runs an extra process in a running container, sharing hostpod's stdio; resolves with its exit code. */
  exec(id: string, argv: string[], options: { interactive: boolean }): Promise<number>;
  /** Starts an extra process in a running container with the given stdio (pipes), optionally under a pseudo-terminal. */
  spawnExec(id: string, argv: string[], options: { stdio: StdioOptions; tty?: boolean | { width: number; height: number } }): ChildProcess;

  /**
   * Attaches to a running container's workload, as CRI's Attach: the output it writes from now
   * on, its stdin (a container with `stdin`), its terminal's size (with `tty`).
   * @throws HostpodError when the container is not running or cannot be attached to
   */
  attach(id: string): Promise<ContainerAttach>;

  /** Re-adopts what an earlier hostpod left: collects ended containers, marks unsupervised ones lost, removes leaked accounts. */
  reconcile(): Promise<ReconcileResult>;
  /** Deletes an ended container's record and its own log files. */
  prune(id: string): void;
  /** Deletes an ended container's records and logs (`force` stops a running one first, without grace). */
  remove(id: string, force: boolean): Promise<void>;
}
