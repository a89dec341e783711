/**
 * Starting a job container: the account, the sandbox and mounts, the cgroup with its limits, the
 * records, then the monitor that places the workload in the cgroup and runs it.
 */
import type { V1Container } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { parseQuantity } from '../../api/quantity.js';
import { writeFileAtomically } from '../../atomic-file.js';
import { HostpodError, isHostpodError } from '../../errors.js';
import type { CgroupLimits } from '../cgroup/index.js';
import { buildArgv, buildEnvironment, workingDirectory } from '../command.js';
import type { ContainerRecord } from '../container.js';
import { ensurePodDir, grantGroup } from '../data-dir.js';
import { clampGraceSeconds } from '../grace.js';
import { accountEnvironment, accountName, acquireIdentity, instanceTag, releaseIdentity, requireRoot } from '../identity.js';
import type { StartRequest } from '../index.js';
import { containerLogPath } from '../logs.js';
import { launchMonitor } from '../monitor/launch.js';
import { encodeSpec, type MonitorBind } from '../monitor/spec.js';
import { ContainerStartError } from '../start-error.js';
import { chooseSandbox, prepareSandbox, removeSandbox, type SandboxLink } from '../sandbox.js';
import { resolveMounts } from '../volumes.js';
import { hostIP } from './host-ip.js';
import { acquireMountPoints, planMountPoints, probePrivateView, releaseMountPoints } from './mount-points.js';
import type { LinuxRuntime } from './linux-runtime.js';

/** Where the image is in the container's mount namespace (containerd 1.7's C:\hpc). */
export const BIND_SANDBOX = '/hpc';

function stopSignalNumber(name: string | undefined): number {
  if (name === undefined || name === '') return constants.signals.SIGTERM;
  const upper = name.toUpperCase();
  const key = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as keyof typeof constants.signals;
  const byName = constants.signals[key] as number | undefined;
  if (byName !== undefined) return byName;
  const byNumber = Number(name);
  return Number.isInteger(byNumber) && byNumber > 0 && byNumber < 65 ? byNumber : constants.signals.SIGTERM;
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

/**
 * Starts one container of a pod; resolves with its record when its workload runs.
 * @throws HostpodError naming the pod, container and field when it cannot start; nothing is left behind.
 */
export async function startContainer(rt: LinuxRuntime, request: StartRequest): Promise<ContainerRecord> {
  const { pod, container } = request;
  const podName = pod.metadata?.name ?? '';
  const namespace = pod.metadata?.namespace ?? 'default';
  const what = `pod "${podName}" (namespace ${namespace}), container "${container.name}"`;
  requireRoot(what);
  const image = rt.images.find(container.image ?? '');
  if (!image) throw new HostpodError('ERR_HOSTPOD_IMAGE_MISSING', `${what}: image ${container.image ?? '(none)'} is not in the store`, { hint: 'pull it first: hostpod image pull REF' });
  const config = rt.images.config(image).config ?? {};

  const id = randomBytes(32).toString('hex');
  const stateDir = rt.containers.dir(id);
  rt.secure();
  mkdirSync(stateDir, { mode: 0o700 });
  chmodSync(stateDir, 0o700);
  let temporaryUser = false;
  try {
    rt.images.leaseForContainer(id, image);
    const account = accountName(container.securityContext?.windowsOptions?.runAsUserName, pod.spec?.securityContext?.windowsOptions?.runAsUserName, config.User, what);
    const identity = acquireIdentity(account, id, instanceTag(rt.dataDir), what);
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
    const cwd = workingDirectory(container, config.WorkingDir, env, sandboxPath, request.mountMode);

    const links: SandboxLink[] = mounts.map((m) => ({ mountPath: m.mountPath, target: request.mountMode === 'bind' ? m.mountPath : m.source }));
    const layout = prepareSandbox(stateDir, rt.images.rootfs(image), chooseSandbox(rt.settings.sandbox, rt.dataDir), identity, links);
    const cgroup = rt.cgroups.create(id, limitsOf(container, rt.settings.pidsLimit, rt.cgroups.controllers()));
    const logPath = containerLogPath(rt.logRoot, { namespace, name: podName, uid: pod.metadata?.uid ?? '' }, container.name, request.restartCount);
    mkdirSync(dirname(logPath), { recursive: true });
    const binds: MonitorBind[] = [
      { source: layout.rootfs, target: BIND_SANDBOX, readOnly: false, file: false },
      ...mounts.map((m) => ({ source: m.source, target: m.mountPath, readOnly: m.readOnly, file: m.file })),
    ];
    const mountPoints = request.mountMode === 'bind' ? planMountPoints(binds.map((b) => b.target), rt.settings.mountPoints, (dir) => rt.privateViewProbe(dir, () => probePrivateView(stateDir, dir))) : [];
    await acquireMountPoints(rt, id, request.mountMode === 'bind' ? binds.map((b) => ({ path: b.target, file: b.file })) : [], mountPoints);
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
      ...(mountPoints.length === 0 ? {} : { mountPoints }),
      cgroup: { version: rt.cgroups.version, dirs: cgroup.dirs, files: cgroup.files },
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
        log: { path: logPath, maxSize: rt.settings.logs.maxSize, maxFiles: rt.settings.logs.maxFiles },
        overlay: layout.kind === 'overlay' ? { lower: layout.lower, upper: layout.upper, work: layout.work, target: layout.rootfs } : undefined,
        namespace: request.mountMode === 'bind' ? { binds, detachUnder: rt.containers.root } : undefined,
        stopSignal: record.stopSignal,
        graceSeconds: record.graceSeconds,
        stdin: container.stdin === true,
        tty: container.tty === true,
      }),
      { mode: 0o600 },
    );
    await launchMonitor(stateDir, what);
    return record;
  } catch (error) {
    // A start that failed after the monitor ran leaves an exit file: keep it as a StartError record.
    if (rt.containers.exit(id) !== undefined) {
      await rt.finalize(id);
      throw isHostpodError(error) ? new ContainerStartError(id, error) : error;
    }
    await discard(rt, id, temporaryUser);
    throw error;
  }
}

/** Undoes a start that failed before the monitor ran. */
async function discard(rt: LinuxRuntime, id: string, temporaryUser: boolean): Promise<void> {
  const stateDir = rt.containers.dir(id);
  try {
    removeSandbox(stateDir);
    rt.cgroups.open(id).remove();
    await releaseMountPoints(rt, (user) => user === id);
  } catch {
    // Best effort: reconcile retries leftovers.
  }
  if (temporaryUser) releaseIdentity(id);
  rt.images.releaseContainer(id);
  rmSync(stateDir, { recursive: true, force: true });
  rt.containers.forget(id);
}
