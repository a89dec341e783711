/**
 * The pod `kubectl debug node/NAME` creates, which hostpod nodes run as a HostProcess pod.
 *
 * kubectl's node-debugging pod (its `legacy`, `general` and `sysadmin` profiles) is
 * not a HostProcess pod: one container, the host's network, PID and IPC namespaces, and the host's
 * `/` as a hostPath volume mounted in the container (at `/host`). A container runtime gives it the
 * host's namespaces and its root file system; a hostpod node has no container runtime, so it runs
 * the pod as a HostProcess pod instead: as root (`NT AUTHORITY\SYSTEM`), in bind mode, so the
 * host's `/` is at the volume's mount path as with a runtime, and everything else is the host's.
 * That gives the workload no more than the pod already asked the API server for (host namespaces
 * and the host's `/` writable), which Pod Security admits only at the privileged level.
 *
 * The rule is narrow on purpose: a pod that asks for less (kubectl's `baseline` and `restricted`
 * profiles: isolated namespaces, no host mount; `netadmin`: the host's namespaces but not its `/`,
 * which a HostProcess container would see all of), asks for an identity other than root
 * (runAsUser, runAsGroup, runAsNonRoot), names windowsOptions, or has init or several containers
 * is not this shape, and stays refused as any pod that is not a HostProcess pod.
 */
import type { V1Container, V1Pod, V1PodSpec, V1SecurityContext, V1PodSecurityContext } from '@kubernetes/client-node';
import { posix } from 'node:path';
import type { MountMode } from '../runtime/index.js';

/** The account the debugging pod runs as: root. */
export const DEBUG_POD_ACCOUNT = 'NT AUTHORITY\\SYSTEM';
/** Its mount mode: bind, so the hostPath of `/` appears at its mount path, as with a container runtime. */
export const DEBUG_POD_MOUNT_MODE: MountMode = 'bind';
/** The event it gets when the node runs it. */
export const RUNNING_AS_HOST_PROCESS = 'RunningAsHostProcess';

type Identity = (V1SecurityContext | V1PodSecurityContext) & { windowsOptions?: unknown };

// The fields that ask for an identity other than root, or for Windows settings of their own.
function asksForAnotherIdentity(context: Identity | undefined): boolean {
  if (!context) return false;
  if (context.windowsOptions !== undefined) return true;
  if (context.runAsNonRoot === true) return true;
  return (context.runAsUser !== undefined && context.runAsUser !== 0) || (context.runAsGroup !== undefined && context.runAsGroup !== 0);
}

/** The hostPath volumes of `/` the container mounts. */
function mountsHostRoot(spec: V1PodSpec, container: V1Container): boolean {
  const roots = new Set((spec.volumes ?? []).filter((v) => v.hostPath && posix.normalize(v.hostPath.path || '.') === '/').map((v) => v.name));
  return (container.volumeMounts ?? []).some((m) => roots.has(m.name) && !m.subPath && !m.subPathExpr);
}

/**
 * Whether `spec` is a node-debugging pod as `kubectl debug node/NAME` makes it, which a hostpod
 * node runs as a HostProcess pod (see the module's comment for the rule and why).
 */
export function isNodeDebugPod(spec: V1PodSpec): boolean {
  if (spec.hostNetwork !== true || spec.hostPID !== true || spec.hostIPC !== true) return false;
  if ((spec.initContainers ?? []).length > 0 || spec.containers.length !== 1) return false;
  if (asksForAnotherIdentity(spec.securityContext)) return false;
  const container = spec.containers[0]!;
  if (asksForAnotherIdentity(container.securityContext)) return false;
  return mountsHostRoot(spec, container);
}

/**
 * The pod as the runtime runs it: a node-debugging pod becomes a HostProcess pod running as root
 * (the API's object is not changed); any other pod is returned as it is.
 */
export function runnablePod(pod: V1Pod): { pod: V1Pod; mountMode?: MountMode } {
  const spec = pod.spec;
  if (!spec || !isNodeDebugPod(spec)) return { pod };
  const windowsOptions = { hostProcess: true, runAsUserName: DEBUG_POD_ACCOUNT };
  return {
    pod: { ...pod, spec: { ...spec, securityContext: { ...spec.securityContext, windowsOptions } } },
    mountMode: DEBUG_POD_MOUNT_MODE,
  };
}

/** The event's message: what the node does with the pod, and why. */
export function hostProcessMessage(spec: V1PodSpec): string {
  const container = spec.containers[0]!;
  const roots = new Set((spec.volumes ?? []).filter((v) => v.hostPath && posix.normalize(v.hostPath.path || '.') === '/').map((v) => v.name));
  const at = (container.volumeMounts ?? []).find((m) => roots.has(m.name))?.mountPath ?? '/host';
  return `Running as a HostProcess container (as root, NT AUTHORITY\\SYSTEM, in bind mode, with the host's filesystem at ${at}) ` +
    'because hostpod nodes run only HostProcess pods: this pod asks for the host\'s network, PID and IPC namespaces and its root filesystem, as kubectl debug node does';
}
