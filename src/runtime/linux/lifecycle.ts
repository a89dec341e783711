/**
 * A job container's life after its start: stopping it (through its monitor), waiting for its end,
 * finalizing it (final status, then its cgroup, sandbox, temporary account and image lease
 * released), recording a container whose monitor died as lost, and removing what it left.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomically } from '../../atomic-file.js';
import { HostpodError } from '../../errors.js';
import { nsToIso, readJson, type ContainerRecord, type ContainerStatus } from '../container.js';
import { containmentWarnings } from '../containment.js';
import { clampGraceSeconds } from '../grace.js';
import { releaseIdentity } from '../identity.js';
import { logFiles } from '../logs.js';
import { monitorBinary } from '../monitor/binary.js';
import { removeSandbox } from '../sandbox.js';
import { releaseMountPoints } from './mount-points.js';
import type { LinuxRuntime } from './linux-runtime.js';

/**
 * Stops a container: its stop signal to init, then after the grace period (the pod's, unless
 * `graceSeconds` overrides it) the whole cgroup is killed. Resolves with its final status.
 */
export async function stopContainer(rt: LinuxRuntime, id: string, graceSeconds?: number): Promise<ContainerStatus> {
  requireContainer(rt, id);
  if (rt.containers.state(id) !== 'exited') {
    const monitor = rt.containers.liveMonitor(id);
    if (monitor !== undefined) askToStop(monitor, graceSeconds);
    else await markLost(rt, id, 'stopped while its monitor was gone');
  }
  return waitForContainer(rt, id);
}

/** Waits until the container has ended, then finalizes it. */
export async function waitForContainer(rt: LinuxRuntime, id: string, signal?: AbortSignal): Promise<ContainerStatus> {
  for (;;) {
    const done = rt.containers.status(id);
    if (done) return done;
    // Removed meanwhile (another stop, or the agent pruning it): there is nothing left to wait for.
    requireContainer(rt, id);
    if (rt.containers.exit(id) !== undefined) return finalizeContainer(rt, id);
    if (rt.containers.liveMonitor(id) === undefined && rt.containers.exit(id) === undefined) {
      await markLost(rt, id, 'its monitor died');
      return finalizeContainer(rt, id);
    }
    if (signal?.aborted) throw signal.reason;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Finalizes a container that has ended or whose monitor died; undefined while it runs. */
export async function collectContainer(rt: LinuxRuntime, id: string): Promise<ContainerStatus | undefined> {
  const done = rt.containers.status(id);
  if (done) return done;
  if (rt.containers.exit(id) !== undefined) return finalizeContainer(rt, id);
  if (rt.containers.state(id) === 'running' && rt.containers.liveMonitor(id) === undefined) {
    await markLost(rt, id, 'its monitor died');
    return finalizeContainer(rt, id);
  }
  return undefined;
}

/** The monitor is gone without an exit file: kill what is left and record an unknown end (unless the exit file is there by now). */
export async function markLost(rt: LinuxRuntime, id: string, why: string): Promise<void> {
  requireContainer(rt, id);
  await rt.cgroups.open(id).kill();
  // The caller saw no exit file and no monitor, but a monitor writes the exit file and then ends:
  // one that ended between those two looks recorded the real end, which a lost one never replaces.
  if (rt.containers.exit(id) !== undefined) return;
  const init = rt.containers.initPid(id);
  const now = BigInt(Date.now()) * 1_000_000n;
  // 137, as the kubelet reports a container whose status it lost.
  writeFileAtomically(join(rt.containers.dir(id), 'exit'), `exitCode=137\nsignal=9\nstartedAt=${init?.startedAtNs ?? 0n}\nfinishedAt=${now}\nlost=${why}\n`);
}

/**
 * Records the final status (reason from the exit code and the cgroup's OOM count) and releases
 * the container's cgroup, sandbox, temporary user and image lease. Idempotent; safe to race.
 */
export async function finalizeContainer(rt: LinuxRuntime, id: string): Promise<ContainerStatus> {
  return rt.locks.with(`container-${id}`, async () => {
    const existing = rt.containers.status(id);
    if (existing) return existing;
    const record = rt.containers.record(id);
    const exit = rt.containers.exit(id);
    if (!exit) throw new HostpodError('ERR_HOSTPOD_STATE', `container ${id} has not ended`);
    const dir = rt.containers.dir(id);
    const cgroup = rt.cgroups.open(id);
    const stats = cgroup.stats();
    const lost = exit.lost !== undefined;
    const reason = exit.error !== undefined ? 'StartError' : lost ? 'ContainerStatusUnknown' : stats.oomKills > 0 ? 'OOMKilled' : exit.exitCode === 0 ? 'Completed' : 'Error';
    const message = exit.error ?? (lost ? 'the container\'s monitor ended without recording an exit status' : undefined);
    // The status returned is the one read back later: no keys with undefined values.
    const status: ContainerStatus = {
      exitCode: exit.exitCode,
      reason,
      ...(message === undefined ? {} : { message }),
      startedAt: nsToIso(exit.startedAtNs),
      finishedAt: nsToIso(exit.finishedAtNs) ?? new Date().toISOString(),
      ...(stats.cpuNanos === undefined ? {} : { cpuNanos: stats.cpuNanos }),
    };
    if (status.startedAt === undefined) delete status.startedAt;
    // Whatever is left in any of its cgroups is killed, nested cgroups are removed; what could
    // not be contained is reported, and never keeps the container from being finalized.
    const killed = await cgroup.kill();
    const warnings = containmentWarnings(record, exit, killed, cgroup.remove(), cgroup);
    removeSandbox(dir);
    // After the kill: no process of the container uses the mount points hostpod created for it.
    warnings.push(...(await releaseMountPoints(rt, (user) => user === id)));
    if (warnings.length > 0) status.warnings = warnings;
    if (record.user.temporary) releaseIdentity(id);
    rt.images.releaseContainer(id);
    writeFileAtomically(join(dir, 'status.json'), JSON.stringify(status, null, 2));
    return status;
  });
}

/** Deletes an ended container's record and its own log files (others of the same container name stay). */
export function pruneContainer(rt: LinuxRuntime, id: string): void {
  if (rt.containers.state(id) !== 'exited' || !rt.containers.status(id)) return;
  const record = readJson<ContainerRecord>(join(rt.containers.dir(id), 'container.json'));
  if (record) for (const file of logFiles(record.logPath)) rmSync(file, { force: true });
  rmSync(rt.containers.dir(id), { recursive: true, force: true });
  rt.containers.forget(id);
}

/** Deletes an ended container's records and logs (`force` stops a running one first, without grace). */
export async function removeContainer(rt: LinuxRuntime, id: string, force: boolean): Promise<void> {
  if (rt.containers.state(id) !== 'exited' && rt.containers.liveMonitor(id) !== undefined) {
    if (!force) throw new HostpodError('ERR_HOSTPOD_RUNNING', `container ${id.slice(0, 12)} is running`, { hint: 'stop it first (hostpod stop), or use rm -f' });
    await stopContainer(rt, id, 0);
  }
  if (!rt.containers.status(id)) {
    if (rt.containers.exit(id) === undefined) await markLost(rt, id, 'removed');
    await finalizeContainer(rt, id);
  }
  const record = readJson<ContainerRecord>(join(rt.containers.dir(id), 'container.json'));
  if (record) rmSync(dirname(record.logPath), { recursive: true, force: true });
  rmSync(rt.containers.dir(id), { recursive: true, force: true });
  rt.containers.forget(id);
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

/**
 * A container whose record is gone (removed, perhaps while this call waited) is an error that says
 * so, rather than a failed write into its removed directory.
 * @throws HostpodError ERR_HOSTPOD_NO_CONTAINER
 */
function requireContainer(rt: LinuxRuntime, id: string): void {
  if (!existsSync(join(rt.containers.dir(id), 'container.json'))) {
    throw new HostpodError('ERR_HOSTPOD_NO_CONTAINER', `no container ${id}: it was removed`, { hint: 'hostpod ps -a lists the containers there are' });
  }
}
