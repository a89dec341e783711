/**
 * The keys the store indexes an object under, so that the reads controllers make most (an owner's
 * objects, the objects with a label) go through an index rather than parse every object of the
 * namespace, as a real controller reads them from its informer's indexes:
 *  - `uid:<uid>`: a uid it refers to: its owners' (`metadata.ownerReferences`) and, for an event,
 *    its subject's (`involvedObject` in core/v1, `regarding` in events.k8s.io/v1);
 *  - `label:<key>=<value>`: each of its labels;
 *  - `node-ref:<node>/<kind>/<name>`, for a pod bound to a node: each ServiceAccount, Secret and
 *    ConfigMap it names, the edges of the Node authorizer's graph (auth/node-graph.ts).
 */
import { podReferences, type PodSpec } from '../../api/pod-references.js';
import type { StoredObject } from './store.js';

/** The index key of the objects that refer to `uid`. */
export function uidKey(uid: string): string {
  return `uid:${uid}`;
}

/** The index key of the objects labelled `key=value`. */
export function labelKey(key: string, value: string): string {
  return `label:${key}=${value}`;
}

/** The index key of the pods bound to `node` that name the `kind` (serviceaccounts, secrets, configmaps) `name`. */
export function nodeRefKey(node: string, kind: string, name: string): string {
  return `node-ref:${node}/${kind}/${name}`;
}

/** An object of `resource` (as the store names it: `pods`, `apps/daemonsets`): its index keys, sorted, each once. */
export function indexKeys(resource: string, object: StoredObject): string[] {
  const keys = new Set<string>();
  const metadata = object['metadata'] as { ownerReferences?: unknown; labels?: unknown } | undefined;
  if (Array.isArray(metadata?.ownerReferences)) {
    for (const owner of metadata.ownerReferences as { uid?: unknown }[]) addUid(keys, owner?.uid);
  }
  for (const field of ['involvedObject', 'regarding']) addUid(keys, (object[field] as { uid?: unknown } | undefined)?.uid);
  if (metadata?.labels && typeof metadata.labels === 'object') {
    for (const [key, value] of Object.entries(metadata.labels)) {
      if (typeof value === 'string') keys.add(labelKey(key, value));
    }
  }
  const spec = object['spec'] as PodSpec | undefined;
  if (resource === 'pods' && spec?.nodeName) {
    for (const [kind, names] of Object.entries(podReferences(spec))) {
      for (const name of names) keys.add(nodeRefKey(spec.nodeName, kind, name));
    }
  }
  return [...keys].sort();
}

function addUid(keys: Set<string>, uid: unknown): void {
  if (typeof uid === 'string' && uid !== '') keys.add(uidKey(uid));
}

/** Whether two lists of keys from `indexKeys` are the same. */
export function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((key, i) => key === b[i]);
}
