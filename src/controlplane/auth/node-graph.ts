/**
 * What the Node authorizer's graph answers: which objects a node is related to through the pods
 * bound to it (pod -> node; secret, configmap, serviceaccount -> pod). kube-apiserver keeps the
 * graph in memory from informers; hostpod keeps its edges in the store's index (each bound pod's
 * `nodeRefKey`s, index-keys.ts), so an answer reads one index entry, not the namespace's pods.
 */
import type { ObjectApi } from '../api/object-api.js';
import { nodeRefKey } from '../store/index.js';
import { findResource, storeResource } from '../resources/index.js';

/** The kinds of objects a node may be related to. */
export type RelatedKind = 'pods' | 'secrets' | 'configmaps' | 'serviceaccounts';

export interface NodeGraph {
  /** Whether a pod bound to `node` is, or refers to, the object `kind` `namespace/name`. */
  related(node: string, kind: RelatedKind, namespace: string, name: string): boolean;
}

/** The graph of the objects in `api`'s store. */
export function storeGraph(api: Pick<ObjectApi, 'store'>): NodeGraph {
  const pods = storeResource(findResource('', 'v1', 'pods')!);
  return {
    related(node, kind, namespace, name) {
      if (kind === 'pods') {
        const pod = api.store.getShared({ resource: pods, namespace, name });
        return (pod?.['spec'] as { nodeName?: string } | undefined)?.nodeName === node;
      }
      return api.store.list(pods, { namespace, indexKey: nodeRefKey(node, kind, name), limit: 1, shared: true }).items.length > 0;
    },
  };
}
