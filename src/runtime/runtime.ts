/**
 * The job-container runtime: starts a pod's container as a host process in its own cgroup, with
 * its account, sandbox and mounts; stops, waits for, finalizes, lists and re-adopts containers.
 * It knows nothing of an API server: it takes a pod spec and a container and reports states.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants, networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';
import { parseQuantity } from '../api/quantity.js';
import type { RuntimeSettings } from '../config.js';
import { HostpodError } from '../errors.js';
import { detectCgroups, type CgroupDriver, type CgroupLimits } from './cgroup/index.js';
import { buildArgv, buildEnvironment, workingDirectory, type ApiObjects } from './command.js';
import { containmentWarnings } from './containment.js';
import { ensurePodDir, grantGroup, secureDataDir } from './data-dir.js';
import { clampGraceSeconds } from './grace.js';
import { writeFileAtomically } from '../atomic-file.js';
import { ContainerDirs, nsToIso, readJson, type ContainerRecord, type ContainerState, type ContainerStatus, type MountMode } from './container.js';
import { accountEnvironment, accountName, acquireIdentity, instanceTag, releaseIdentity, removeLeakedTemporaryUsers, requireRoot } from './identity.js';
import type { ImageStore } from './image/store.js';
import { Locks } from './image/locks.js';
import { containerLogPath, logFiles } from './logs.js';
import { monitorBinary } from './monitor/binary.js';
import { launchMonitor } from './monitor/launch.js';
import { encodeSpec, type MonitorBind } from './monitor/spec.js';
import { chooseSandbox, prepareSandbox, removeSandbox, type SandboxLink } from './sandbox.js';
import { resolveMounts } from './volumes.js';

/** Where the image is in the container's mount namespace (containerd 1.7's C:\hpc). */
export const BIND_SANDBOX = '/hpc';

export interface StartRequest {
  pod: V1Pod;
  container: V1Container;
  init: boolean;
  restartCount: number;
  /** The pod's directory (emptyDir volumes live there). */
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

export interface ContainerInfo {
  id: string;
  name: string;
  pod: string;
  namespace: string;
  podUid: string;
  image: string;
  state: ContainerState;
  exitCode: number | undefined;
  reason: string | undefined;
  createdAt: string;
  startedAt: string | undefined;
  finishedAt: string | undefined;
  memoryBytes: number | undefined;
  cpuNanos: number | undefined;
  /** What its end could not contain (see ContainerStatus.warnings). */
  warnings?: string[] | undefined;
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

/** A container that is being started by another hostpod may have no monitor yet for this long. */
const STARTING_GRACE_MS = 60_000;

function stopSignalNumber(name: string | undefined): number {
  if (name === undefined || name === '') return constants.signals.SIGTERM;
  const upper = name.toUpperCase();
  const key = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as keyof typeof constants.signals;
  const byName = constants.signals[key] as number | undefined;
  if (byName !== undefined) return byName;
  const byNumber = Number(name);
  return Number.isInteger(byNumber) && byNumber > 0 && byNumber < 65 ? byNumber : constants.signals.SIGTERM;
}

/** The node's address, which a host-network pod reports as its own. */
export function hostIP(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function limitsOf(container: V1Container, pidsLimit: number, controllers: Set<string>): CgroupLimits {
  const limits = (container.resources?.limits ?? {}) as Record<string, unknown>;
  const quantity = (key: string): number | undefined => {
    if (limits[key] === undefined) return undefined;
    const q = parseQuantity(limits[key]);
    if ('error' in q) throw new HostpodError('ERR_HOSTPOD_RESOURCES', `container "${container.name}": resources.limits.${key}: ${q.error}`);
    return q.value;
  };
  const memory = quantity('memory');
  const cpu = quantity('cpu');
  return {
    memoryBytes: memory === undefined ? undefined : Math.floor(memory),
    cpuMillis: cpu === undefined ? undefined : Math.ceil(cpu * 1000),
    // The default pids limit applies where the host offers the controller; an explicit limit must not be dropped silently.
    pids: pidsLimit > 0 && controllers.has('pids') ? pidsLimit : undefined,
  };
}

export class Runtime {
  readonly containers: ContainerDirs;
  readonly logRoot: string;
  private driver: CgroupDriver | undefined;
  private readonly locks: Locks;
  private secured = false;

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
  private secure(): void {
    if (this.secured) return;
    secureDataDir(this.dataDir);
    this.secured = true;
  }

  get cgroups(): CgroupDriver {
    this.driver ??= detectCgroups(this.settings.cgroup);
    return this.driver;
  }

  /**
   * Starts one container of a pod; resolves when its workload runs.
   * @throws HostpodError naming the pod, container and field when it cannot start; nothing is left behind.
   */
  async start(request: StartRequest): Promise<ContainerRecord> {
    const { pod, container } = request;
    const podName = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? 'default';
    const what = `pod "${podName}" (namespace ${namespace}), container "${container.name}"`;
    requireRoot(what);
    const image = this.images.find(container.image ?? '');
    if (!image) throw new HostpodError('ERR_HOSTPOD_IMAGE_MISSING', `${what}: image ${container.image ?? '(none)'} is not in the store`, { hint: 'pull it first: hostpod image pull REF' });
    const config = this.images.config(image).config ?? {};

    const id = randomBytes(32).toString('hex');
    const stateDir = this.containers.dir(id);
    this.secure();
    mkdirSync(stateDir, { mode: 0o700 });
    chmodSync(stateDir, 0o700);
    let temporaryUser = false;
    try {
      this.images.leaseForContainer(id, image);
      const account = accountName(container.securityContext?.windowsOptions?.runAsUserName, pod.spec?.securityContext?.windowsOptions?.runAsUserName, config.User, what);
      const identity = acquireIdentity(account, id, instanceTag(this.dataDir), what);
      temporaryUser = identity.temporary;
      ensurePodDir(request.podDir);
      if (request.mountMode === 'sandbox' && identity.uid !== 0) {
        // The account works in its sandbox folder and follows its links to its volumes' real
        // paths: its group (and root) may traverse its own state directory and its pod's, no other.
        chownSync(stateDir, 0, identity.gid);
        chmodSync(stateDir, 0o710);
        grantGroup(request.podDir, identity.gid, what);
      }
      const mounts = resolveMounts(pod, container, request.podDir, what, request.volumeDirs);
      const sandboxDir = request.mountMode === 'bind' ? BIND_SANDBOX : join(stateDir, 'rootfs');
      const sandboxPath = `${sandboxDir}/`;
      const env = buildEnvironment({ account: accountEnvironment(identity), image: config.Env ?? [], pod, container, sandbox: sandboxPath, hostIP: request.hostIP ?? hostIP(), what, ...(request.api ? { api: request.api } : {}) });
      const argv = buildArgv(container, config, env, sandboxPath, what);
      const cwd = workingDirectory(container, config.WorkingDir, env, sandboxPath);

      const links: SandboxLink[] = mounts.map((m) => ({ mountPath: m.mountPath, target: request.mountMode === 'bind' ? m.mountPath : m.source }));
      const layout = prepareSandbox(stateDir, this.images.rootfs(image), chooseSandbox(this.settings.sandbox, this.dataDir), identity, links);
      const cgroup = this.cgroups.create(id, limitsOf(container, this.settings.pidsLimit, this.cgroups.controllers()));
      const logPath = containerLogPath(this.logRoot, { namespace, name: podName, uid: pod.metadata?.uid ?? '' }, container.name, request.restartCount);
      mkdirSync(dirname(logPath), { recursive: true });
      const binds: MonitorBind[] = [
        { source: layout.rootfs, target: BIND_SANDBOX, readOnly: false, file: false },
        ...mounts.map((m) => ({ source: m.source, target: m.mountPath, readOnly: m.readOnly, file: m.file })),
      ];
      const record: ContainerRecord = {
        id,
        name: container.name,
        pod: { name: podName, namespace, uid: pod.metadata?.uid ?? '' },
        init: request.init,
        restartCount: request.restartCount,
        ...(request.owner === undefined ? {} : { owner: request.owner }),
        image: { name: image.name, id: image.config },
        account,
        user: { name: identity.user, uid: identity.uid, gid: identity.gid, temporary: identity.temporary },
        mountMode: request.mountMode,
        sandbox: { kind: layout.kind, path: sandboxPath },
        cgroup: { version: this.cgroups.version, dirs: cgroup.dirs, files: cgroup.files },
        logPath,
        argv,
        stopSignal: stopSignalNumber(config.StopSignal),
        graceSeconds: clampGraceSeconds(pod.spec?.terminationGracePeriodSeconds ?? 30),
        memoryLimit: limitsOf(container, 0, new Set()).memoryBytes,
        createdAt: new Date().toISOString(),
      };
      writeFileAtomically(join(stateDir, 'container.json'), JSON.stringify(record, null, 2));
      // 0600: the environment may hold secrets, and the workload's account can reach this directory.
      writeFileSync(
        join(stateDir, 'spec'),
        encodeSpec({
          argv,
          env: [...env].map(([k, v]) => `${k}=${v}`),
          cwd,
          uid: identity.uid,
          gid: identity.gid,
          groups: identity.groups,
          cgroup: cgroup.files,
          log: { path: logPath, maxSize: this.settings.logs.maxSize, maxFiles: this.settings.logs.maxFiles },
          overlay: layout.kind === 'overlay' ? { lower: layout.lower, upper: layout.upper, work: layout.work, target: layout.rootfs } : undefined,
          namespace: request.mountMode === 'bind' ? { binds, detachUnder: this.containers.root } : undefined,
          stopSignal: record.stopSignal,
          graceSeconds: record.graceSeconds,
        }),
        { mode: 0o600 },
      );
      await launchMonitor(stateDir, what);
      return record;
    } catch (error) {
      // A start that failed after the monitor ran leaves an exit file: keep it as a StartError record.
      if (this.containers.exit(id) !== undefined) {
        await this.finalize(id);
        throw error;
      }
      this.discard(id, temporaryUser);
      throw error;
    }
  }

  /** Undoes a start that failed before the monitor ran. */
  private discard(id: string, temporaryUser: boolean): void {
    const stateDir = this.containers.dir(id);
    try {
      removeSandbox(stateDir);
      this.cgroups.open(id).remove();
    } catch {
      // Best effort: reconcile retries leftovers.
    }
    if (temporaryUser) releaseIdentity(id);
    this.images.releaseContainer(id);
    rmSync(stateDir, { recursive: true, force: true });
  }

  /**
   * Stops a container: its stop signal to init, then after the grace period (the pod's, unless
   * `graceSeconds` overrides it) the whole cgroup is killed. Resolves with its final status.
   */
  async stop(id: string, graceSeconds?: number): Promise<ContainerStatus> {
    if (this.containers.state(id) !== 'exited') {
      const monitor = this.containers.liveMonitor(id);
      if (monitor !== undefined) askToStop(monitor, graceSeconds);
      else await this.markLost(id, 'stopped while its monitor was gone');
    }
    return this.wait(id);
  }

  /** Waits until the container has ended, then finalizes it. */
  async wait(id: string, signal?: AbortSignal): Promise<ContainerStatus> {
    for (;;) {
      const done = this.containers.status(id);
      if (done) return done;
      if (this.containers.exit(id) !== undefined) return this.finalize(id);
      if (this.containers.liveMonitor(id) === undefined && this.containers.exit(id) === undefined) {
        await this.markLost(id, 'its monitor died');
        return this.finalize(id);
      }
      if (signal?.aborted) throw signal.reason;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The monitor is gone without an exit file: kill what is left and record an unknown end. */
  private async markLost(id: string, why: string): Promise<void> {
    await this.cgroups.open(id).kill();
    const init = this.containers.initPid(id);
    const now = BigInt(Date.now()) * 1_000_000n;
    // 137, as the kubelet reports a container whose status it lost.
    writeFileAtomically(join(this.containers.dir(id), 'exit'), `exitCode=137\nsignal=9\nstartedAt=${init?.startedAtNs ?? 0n}\nfinishedAt=${now}\nlost=${why}\n`);
  }

  /**
   * Records the final status (reason from the exit code and the cgroup's OOM count) and releases
   * the container's cgroup, sandbox, temporary user and image lease. Idempotent; safe to race.
   */
  async finalize(id: string): Promise<ContainerStatus> {
    return this.locks.with(`container-${id}`, async () => {
      const existing = this.containers.status(id);
      if (existing) return existing;
      const record = this.containers.record(id);
      const exit = this.containers.exit(id);
      if (!exit) throw new HostpodError('ERR_HOSTPOD_STATE', `container ${id} has not ended`);
      const dir = this.containers.dir(id);
      const cgroup = this.cgroups.open(id);
      const stats = cgroup.stats();
      const lost = exit.lost !== undefined;
      const reason = exit.error !== undefined ? 'StartError' : lost ? 'ContainerStatusUnknown' : stats.oomKills > 0 ? 'OOMKilled' : exit.exitCode === 0 ? 'Completed' : 'Error';
      const status: ContainerStatus = {
        exitCode: exit.exitCode,
        reason,
        message: exit.error ?? (lost ? 'the container\'s monitor ended without recording an exit status' : undefined),
        startedAt: nsToIso(exit.startedAtNs),
        finishedAt: nsToIso(exit.finishedAtNs) ?? new Date().toISOString(),
        cpuNanos: stats.cpuNanos,
      };
      // Whatever is left in any of its cgroups is killed, nested cgroups are removed; what could
      // not be contained is reported, and never keeps the container from being finalized.
      const killed = await cgroup.kill();
      const warnings = containmentWarnings(record, exit, killed, cgroup.remove(), cgroup);
      if (warnings.length > 0) status.warnings = warnings;
      removeSandbox(dir);
      if (record.user.temporary) releaseIdentity(id);
      this.images.releaseContainer(id);
      writeFileAtomically(join(dir, 'status.json'), JSON.stringify(status, null, 2));
      return status;
    });
  }

  /** One container's summary. */
  info(id: string): ContainerInfo {
    const record = this.containers.record(id);
    const state = this.containers.state(id);
    const status = this.containers.status(id);
    const exit = status ? undefined : this.containers.exit(id);
    const stats = state === 'running' ? this.cgroups.open(id).stats() : undefined;
    return {
      id,
      name: record.name,
      pod: record.pod.name,
      namespace: record.pod.namespace,
      podUid: record.pod.uid,
      image: record.image.name,
      state,
      exitCode: status?.exitCode ?? exit?.exitCode,
      reason: status?.reason,
      createdAt: record.createdAt,
      startedAt: status?.startedAt ?? nsToIso(this.containers.initPid(id)?.startedAtNs),
      finishedAt: status?.finishedAt ?? nsToIso(exit?.finishedAtNs),
      memoryBytes: stats?.memoryBytes,
      cpuNanos: stats?.cpuNanos ?? status?.cpuNanos,
      ...(status?.warnings ? { warnings: status.warnings } : {}),
    };
  }

  /** Every container, oldest first. */
  list(): ContainerInfo[] {
    return this.containers
      .ids()
      .map((id) => this.info(id))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Finds a container by full id, unique id prefix, or name (the newest of that name). */
  resolve(query: string): string {
    const ids = this.containers.ids();
    if (ids.includes(query)) return query;
    const byPrefix = query.length >= 4 ? ids.filter((id) => id.startsWith(query)) : [];
    if (byPrefix.length === 1 && byPrefix[0] !== undefined) return byPrefix[0];
    if (byPrefix.length > 1) throw new HostpodError('ERR_HOSTPOD_NO_CONTAINER', `container id prefix ${query} is ambiguous (${byPrefix.length} containers)`, { hint: 'give more of the id' });
    const byName = this.list().filter((c) => c.name === query || `${c.pod}/${c.name}` === query);
    const newest = byName.at(-1);
    if (newest) return newest.id;
    throw new HostpodError('ERR_HOSTPOD_NO_CONTAINER', `no container "${query}"`, { hint: 'hostpod ps lists containers (ids, names and pod/name)' });
  }

  private live(id: string): boolean {
    if (!existsSync(join(this.containers.dir(id), 'container.json'))) return existsSync(this.containers.dir(id)) && this.young(id);
    if (this.containers.state(id) === 'exited') return false;
    return this.containers.liveMonitor(id) !== undefined || this.young(id);
  }

  /** Being started by some hostpod right now: no monitor has written its pid yet, and not for long. */
  private young(id: string): boolean {
    try {
      if (existsSync(join(this.containers.dir(id), 'monitor.pid'))) return false;
      return Date.now() - statSync(this.containers.dir(id)).mtimeMs < STARTING_GRACE_MS;
    } catch {
      return false;
    }
  }

  /**
   * Re-adopts what an earlier hostpod left: collects containers that ended meanwhile, marks those
   * whose monitor died as lost (killing their processes), and deletes leaked temporary users.
   * Running containers are left running: their monitors own them.
   */
  async reconcile(): Promise<ReconcileResult> {
    const result: ReconcileResult = { collected: [], lost: [], removedUsers: [], warnings: [] };
    if (process.getuid?.() === 0) this.secure();
    for (const id of this.containers.ids()) {
      if (this.containers.status(id)) continue;
      if (this.containers.exit(id) !== undefined) {
        result.warnings.push(...((await this.finalize(id)).warnings ?? []));
        result.collected.push(id);
      } else if (this.containers.liveMonitor(id) === undefined && !this.young(id)) {
        await this.markLost(id, 'its monitor was gone when hostpod started');
        result.warnings.push(...((await this.finalize(id)).warnings ?? []));
        result.lost.push(id);
      }
    }
    if (process.getuid?.() === 0) {
      result.removedUsers = removeLeakedTemporaryUsers({ instance: instanceTag(this.dataDir), has: (id) => /^[0-9a-f]{64}$/.test(id) && existsSync(this.containers.dir(id)), isLive: (id) => this.live(id) });
    }
    return result;
  }

  /**
   * Runs an extra process in a running container: same cgroup, account, environment and mount
   * namespace. With `interactive`, it shares hostpod's stdin (and so its terminal, for -t).
   * @returns the process's exit code.
   */
  async exec(id: string, argv: string[], options: { interactive: boolean }): Promise<number> {
    const child = this.spawnExec(id, argv, { stdio: [options.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'] });
    return exitCodeOf(child);
  }

  /**
   * Starts an extra process in a running container with the given stdio (pipes for the node
   * agent's exec). With `tty`, it runs under a new pseudo-terminal (script(1) allocates it, since
   * Node cannot), which then carries both output streams.
   * @throws HostpodError when the container is not running
   */
  spawnExec(id: string, argv: string[], options: { stdio: StdioOptions; tty?: boolean | { width: number; height: number } }): ChildProcess {
    requireRoot(`exec in container ${id.slice(0, 12)}`);
    if (this.containers.state(id) !== 'running' || this.containers.liveMonitor(id) === undefined) {
      throw new HostpodError('ERR_HOSTPOD_NOT_RUNNING', `container ${id.slice(0, 12)} is not running`, { hint: 'hostpod ps shows the running containers' });
    }
    const command = [monitorBinary(), 'exec', this.containers.dir(id), ...argv];
    if (options.tty !== undefined && options.tty !== false) {
      const quote = (a: string): string => `'${a.replace(/'/g, "'\\''")}'`;
      const size = typeof options.tty === 'object' ? `stty cols ${Math.floor(options.tty.width)} rows ${Math.floor(options.tty.height)} 2>/dev/null; ` : '';
      return spawn('script', ['--quiet', '--return', '--command', `${size}exec ${command.map(quote).join(' ')}`, '/dev/null'], { stdio: options.stdio, env: { ...process.env, SHELL: '/bin/sh' } });
    }
    const [file, ...args] = command;
    return spawn(file ?? '', args, { stdio: options.stdio });
  }

  /** Deletes an ended container's record and its own log files (others of the same container name stay). */
  prune(id: string): void {
    if (this.containers.state(id) !== 'exited' || !this.containers.status(id)) return;
    const record = readJson<ContainerRecord>(join(this.containers.dir(id), 'container.json'));
    if (record) for (const file of logFiles(record.logPath)) rmSync(file, { force: true });
    rmSync(this.containers.dir(id), { recursive: true, force: true });
  }

  /** Deletes an ended container's records and logs (`force` stops a running one first, without grace). */
  async remove(id: string, force: boolean): Promise<void> {
    if (this.containers.state(id) !== 'exited' && this.containers.liveMonitor(id) !== undefined) {
      if (!force) throw new HostpodError('ERR_HOSTPOD_RUNNING', `container ${id.slice(0, 12)} is running`, { hint: 'stop it first (hostpod stop), or use rm -f' });
      await this.stop(id, 0);
    }
    if (!this.containers.status(id)) {
      if (this.containers.exit(id) === undefined) await this.markLost(id, 'removed');
      await this.finalize(id);
    }
    const record = readJson<ContainerRecord>(join(this.containers.dir(id), 'container.json'));
    if (record) rmSync(dirname(record.logPath), { recursive: true, force: true });
    rmSync(this.containers.dir(id), { recursive: true, force: true });
  }
}

/**
 * Asks a container's monitor to stop it: SIGTERM, queued with the grace period when one overrides
 * the pod's. Nothing is written, so a full disk cannot keep a container from stopping.
 */
function askToStop(monitor: number, graceSeconds: number | undefined): void {
  if (graceSeconds === undefined || Number.isNaN(graceSeconds)) {
    try {
      process.kill(monitor, 'SIGTERM');
    } catch {
      // It ended on its own meanwhile.
    }
    return;
  }
  // Node has no sigqueue(2): the monitor binary queues the signal with its value.
  const queued = spawnSync(monitorBinary(), ['stop', String(monitor), String(clampGraceSeconds(graceSeconds))], { encoding: 'utf8' });
  // 3: no such process (it ended on its own meanwhile). Anything else would leave the caller waiting for ever.
  if (queued.status !== 0 && queued.status !== 3) {
    throw new HostpodError('ERR_HOSTPOD_STOP', `cannot ask the monitor ${monitor} to stop its container: ${(queued.stderr || queued.error?.message || `exit status ${queued.status}`).trim()}`, {
      hint: 'retry the stop; hostpod stop --grace-period 0 kills the container at once',
    });
  }
}

/** A process's exit code (once its output has been read), 128 + the signal's number when a signal ended it. */
export function exitCodeOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}
