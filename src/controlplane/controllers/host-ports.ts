/**
 * Host ports a pod wants on its node, and whether another pod there holds one of them: the
 * scheduler's NodePorts filter. A hostNetwork pod (every HostProcess pod) is defaulted with each
 * container port as a host port, so two HostProcess pods that declare the same port cannot share
 * a node: a DaemonSet's surge pod waits Pending until the old one is gone, as on a real cluster.
 */
import { isTerminated } from '../../policy/node-fit.js';
import type { Obj } from '../api/object-meta.js';

/** The Status message's reason when the filter refuses a node. */
export const HOST_PORTS_TAKEN = "node(s) didn't have free ports for the requested pod ports";

interface Port { hostIP: string; protocol: string; hostPort: number }

function hostPorts(pod: Obj): Port[] {
  const spec = (pod['spec'] ?? {}) as { containers?: { ports?: { hostPort?: number; hostIP?: string; protocol?: string }[] }[]; initContainers?: { ports?: { hostPort?: number; hostIP?: string; protocol?: string }[] }[] };
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])]
    .flatMap((c) => c.ports ?? [])
    .filter((p) => typeof p.hostPort === 'number' && p.hostPort > 0)
    .map((p) => ({ hostIP: p.hostIP && p.hostIP !== '' ? p.hostIP : '0.0.0.0', protocol: p.protocol ?? 'TCP', hostPort: p.hostPort! }));
}

function conflicts(a: Port, b: Port): boolean {
  return a.hostPort === b.hostPort && a.protocol === b.protocol && (a.hostIP === b.hostIP || a.hostIP === '0.0.0.0' || b.hostIP === '0.0.0.0');
}

/** Whether a port `pod` wants is held by one of `podsOnNode` that has not finished. */
export function hostPortsTaken(pod: Obj, podsOnNode: readonly Obj[]): boolean {
  const wanted = hostPorts(pod);
  if (wanted.length === 0) return false;
  const held = podsOnNode.filter((p) => p !== pod && !isTerminated(p)).flatMap(hostPorts);
  return wanted.some((w) => held.some((h) => conflicts(w, h)));
}
