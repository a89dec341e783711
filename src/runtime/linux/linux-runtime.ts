/**
 * The job-container runtime for Linux hosts: a pod's container runs as a host process in its own
 * cgroup, with its account, sandbox and mounts, supervised by a monitor process that outlives
 * hostpod. It knows nothing of an API server: it takes a pod spec and a container and reports
 * states. Each mechanism is a module of its own (as hcsshim's internal/jobcontainers): start.ts,
 * lifecycle.ts (stop, wait, finalize, remove), query.ts, exec.ts, reconcile.ts.
 *
 * The records (container.ts's ContainerDirs), cgroups and log root are public for the Linux
 * runtime's own tests; the rest of hostpod uses `ContainerRuntime` only (an ESLint rule says so).
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { RuntimeSettings } from '../../config.js';
import { detectCgroups, type CgroupDriver } from '../cgroup/index.js';
import { ContainerDirs, type ContainerState, type ContainerStatus } from '../container.js';
import { ensurePodDir, secureDataDir } from '../data-dir.js';
import type { ImageStore } from '../image/store.js';
import { Locks } from '../image/locks.js';
import type { ContainerAttach, ContainerInfo, ContainerLog, ContainerRuntime, ContainerStats, PodRef, ReconcileResult, StartRequest } from '../index.js';
import { podLogDir } from '../logs.js';
import { attachToContainer } from './attach.js';
import { execInContainer, spawnInContainer } from './exec.js';
import { collectContainer, finalizeContainer, pruneContainer, removeContainer, stopContainer, waitForContainer } from './lifecycle.js';
import { podDir, removePodDir } from './pod-dirs.js';
import { containerLog, containerStats, inspectContainer, listContainers, resolveContainer } from './query.js';
import { reconcileContainers } from './reconcile.js';
import { startContainer } from './start.js';

export { hostIP } from './host-ip.js';

export class LinuxRuntime implements ContainerRuntime {
  readonly containers: ContainerDirs;
  readonly logRoot: string;
  readonly locks: Locks;
  private driver: CgroupDriver | undefined;
  private secured = false;
  private readonly probes = new Map<string, string | undefined>();

  constructor(
    readonly dataDir: string,
    readonly settings: RuntimeSettings,
    readonly images: ImageStore,
  ) {
    this.containers = new ContainerDirs(dataDir);
    this.logRoot = join(dataDir, 'logs', 'pods');
    this.locks = new Locks(join(this.containers.root, '.locks'));
  }

  /** Gives the data directory and its shared directories their modes, once (see data-dir.ts). Root only. */
  secure(): void {
    if (this.secured) return;
    secureDataDir(this.dataDir);
    this.secured = true;
  }

  /** Whether a private view of `dir` can be made (undefined) or why not, asked once per directory for this runtime's life. */
  privateViewProbe(dir: string, probe: () => string | undefined): string | undefined {
    if (!this.probes.has(dir)) this.probes.set(dir, probe());
    return this.probes.get(dir);
  }

  get cgroups(): CgroupDriver {
    this.driver ??= detectCgroups(this.settings.cgroup);
    return this.driver;
  }

  podDir(uid: string): string {
    return podDir(this.dataDir, uid);
  }

  preparePod(uid: string): string {
    const dir = podDir(this.dataDir, uid);
    ensurePodDir(dir);
    return dir;
  }

  removePod(uid: string, logs?: PodRef): void {
    removePodDir(podDir(this.dataDir, uid));
    if (logs) rmSync(podLogDir(this.logRoot, logs), { recursive: true, force: true });
  }

  async start(request: StartRequest): Promise<ContainerInfo> {
    const record = await startContainer(this, request);
    // Without its cgroup's figures: reading them (memory, CPU, the processes in five v1 hierarchies)
    // took the node agent's thread about 0.7 ms a container in the 110-pod run, for nothing it used.
    return this.inspect(record.id, { stats: false });
  }

  stop(id: string, graceSeconds?: number): Promise<ContainerStatus> {
    return stopContainer(this, id, graceSeconds);
  }

  wait(id: string, signal?: AbortSignal): Promise<ContainerStatus> {
    return waitForContainer(this, id, signal);
  }

  collect(id: string): Promise<ContainerStatus | undefined> {
    return collectContainer(this, id);
  }

  /** Records the final status and releases what the container held (see lifecycle.ts). */
  finalize(id: string): Promise<ContainerStatus> {
    return finalizeContainer(this, id);
  }

  state(id: string): ContainerState {
    return this.containers.state(id);
  }

  finalStatus(id: string): ContainerStatus | undefined {
    return this.containers.status(id);
  }

  isOrphaned(id: string): boolean {
    return this.containers.state(id) === 'running' && this.containers.liveMonitor(id) === undefined;
  }

  inspect(id: string, options: { stats?: boolean } = {}): ContainerInfo {
    return inspectContainer(this, id, options);
  }

  list(): ContainerInfo[] {
    return listContainers(this);
  }

  ids(): string[] {
    return this.containers.ids();
  }

  podContainers(podUid: string): string[] {
    return this.containers.ids().filter((id) => this.containers.podUid(id) === podUid);
  }

  resolve(query: string): string {
    return resolveContainer(this, query);
  }

  stats(id: string): ContainerStats | undefined {
    return containerStats(this, id);
  }

  logs(id: string): ContainerLog {
    return containerLog(this, id);
  }

  exec(id: string, argv: string[], options: { interactive: boolean }): Promise<number> {
    return execInContainer(this, id, argv, options);
  }

  spawnExec(id: string, argv: string[], options: { stdio: StdioOptions; tty?: boolean | { width: number; height: number } }): ChildProcess {
    return spawnInContainer(this, id, argv, options);
  }

  attach(id: string): Promise<ContainerAttach> {
    return attachToContainer(this, id);
  }

  reconcile(): Promise<ReconcileResult> {
    return reconcileContainers(this);
  }

  prune(id: string): void {
    pruneContainer(this, id);
  }

  remove(id: string, force: boolean): Promise<void> {
    return removeContainer(this, id, force);
  }
}
