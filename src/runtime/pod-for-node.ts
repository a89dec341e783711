/**
 * The pod `hostpod run` runs: a Pod as given, or the pod a DaemonSet's controller would create
 * for this node (named `<daemonset>-<5 random characters>`, owned by the DaemonSet).
 */
import type { V1DaemonSet, V1Pod } from '@kubernetes/client-node';
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { nodeLabels } from '../api/node-labels.js';
import { HostpodError } from '../errors.js';
import { matchesNodeSelector } from '../policy/node-fit.js';

// Kubernetes' utilrand.String alphabet: no vowels, no look-alike digits.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(length = 5): string {
  return [...randomBytes(length)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

/**
 * Whether the DaemonSet runs here is decided as the scheduler and the DaemonSet controller decide
 * it (node-fit.ts): its nodeSelector and required node affinity against this node's labels and name.
 * @throws HostpodError for other kinds, and for a DaemonSet that would place no pod on this node.
 */
export function podForNode(object: Record<string, unknown>, nodeName = hostname()): V1Pod {
  const kind = object['kind'];
  if (kind === 'Pod') {
    const pod = structuredClone(object) as V1Pod;
    pod.metadata = { ...pod.metadata, namespace: pod.metadata?.namespace ?? 'default', uid: pod.metadata?.uid ?? randomUUID() };
    pod.spec = { ...pod.spec, containers: pod.spec?.containers ?? [], nodeName: pod.spec?.nodeName ?? nodeName };
    return pod;
  }
  if (kind === 'DaemonSet') {
    const ds = object as V1DaemonSet;
    const name = ds.metadata?.name ?? '';
    const template = structuredClone(ds.spec?.template ?? {});
    const labels = nodeLabels(nodeName);
    for (const [key, value] of Object.entries(template.spec?.nodeSelector ?? {})) {
      if (labels[key] !== value) {
        throw new HostpodError('ERR_HOSTPOD_NOT_THIS_NODE', `daemonset "${name}" would create no pod on this node: its nodeSelector ${key}=${value} does not match (this node has ${key}=${labels[key] ?? '(none)'})`, {
          hint: key === 'kubernetes.io/os' ? 'hostpod nodes report their real OS: select kubernetes.io/os: linux' : 'change the nodeSelector, or run on a node that matches it',
        });
      }
    }
    const node = { metadata: { name: nodeName, labels } };
    if (!matchesNodeSelector(template.spec ?? {}, node)) {
      throw new HostpodError('ERR_HOSTPOD_NOT_THIS_NODE', `daemonset "${name}" would create no pod on this node: spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution matches none of its labels (${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ')})`, {
        hint: 'change the required node affinity, or run on a node that matches it',
      });
    }
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...template.metadata,
        name: `${name}-${randomSuffix()}`,
        namespace: ds.metadata?.namespace ?? 'default',
        uid: randomUUID(),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name, uid: ds.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      spec: { ...template.spec, containers: template.spec?.containers ?? [], nodeName },
    };
  }
  throw new HostpodError('ERR_HOSTPOD_RUN_KIND', `hostpod run takes a Pod or a DaemonSet, not ${String(kind)}`, { hint: 'give a file with one Pod or one DaemonSet' });
}
