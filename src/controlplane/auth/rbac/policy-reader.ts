/**
 * Where RBAC reads its objects: the roles and bindings of the store. Two adapters, one over the
 * object API (the authorizer's, at request time) and one over the store's plain lists (the
 * strategies', for escalation checks), give the same view.
 */
import type { ObjectApi } from '../../api/object-api.js';
import { metaOf, type Obj } from '../../api/object-meta.js';
import { findResource } from '../../resources/index.js';
import { RBAC_GROUP } from './subjects.js';

export interface PolicyReader {
  clusterRoleBindings(): Obj[];
  roleBindings(namespace: string): Obj[];
  clusterRole(name: string): Obj | undefined;
  role(namespace: string, name: string): Obj | undefined;
}

export type RbacResource = 'roles' | 'rolebindings' | 'clusterroles' | 'clusterrolebindings';

/** A reader over a listing function: `list(resource, namespace)` gives a resource's objects ('' all). */
export function policyReader(list: (resource: RbacResource, namespace: string) => Obj[]): PolicyReader {
  const named = (items: Obj[], name: string): Obj | undefined => items.find((item) => metaOf(item).name === name);
  return {
    clusterRoleBindings: () => list('clusterrolebindings', ''),
    roleBindings: (namespace) => list('rolebindings', namespace),
    clusterRole: (name) => named(list('clusterroles', ''), name),
    role: (namespace, name) => named(list('roles', namespace), name),
  };
}

const RESOURCES: readonly RbacResource[] = ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'];
const cached = new WeakMap<object, PolicyReader>();

/**
 * The reader of the object API's RBAC objects. Over a full object API (with its store), the lists
 * are kept between requests and dropped when their resource changes, as kube-apiserver's RBAC
 * authorizer reads informers' caches: without it, every request of a user who is not an admin
 * would read and decode every ClusterRoleBinding from the store.
 */
export function apiPolicyReader(api: Pick<ObjectApi, 'list'> & { store?: ObjectApi['store'] }): PolicyReader {
  const listed = (resource: RbacResource, namespace: string): Obj[] => {
    const info = findResource(RBAC_GROUP, 'v1', resource);
    return info ? api.list(info, namespace).items : [];
  };
  const store = api.store;
  if (!store) return policyReader(listed);
  let reader = cached.get(store);
  if (!reader) {
    const lists = new Map<RbacResource, Map<string, Obj[]>>(RESOURCES.map((r) => [r, new Map()]));
    // Store listeners run synchronously in the write, so no request reads a list a write has outdated.
    for (const resource of RESOURCES) store.subscribe(`${RBAC_GROUP}/${resource}`, () => lists.get(resource)!.clear());
    reader = policyReader((resource, namespace) => {
      const byNamespace = lists.get(resource)!;
      let items = byNamespace.get(namespace);
      if (!items) byNamespace.set(namespace, (items = listed(resource, namespace)));
      return items;
    });
    cached.set(store, reader);
  }
  return reader;
}

/** The reader of a store's RBAC objects, by the store's names (`rbac.authorization.k8s.io/roles`). */
export function storePolicyReader(list: (storeResource: string, namespace: string) => Obj[]): PolicyReader {
  return policyReader((resource, namespace) => list(`${RBAC_GROUP}/${resource}`, namespace));
}

/** The reader a strategy has: the stored objects its context lists (none without a lister). */
export function strategyPolicyReader(context: { objectsIn?: (resource: string, namespace: string) => Obj[] }): PolicyReader {
  const list = context.objectsIn ?? (() => []);
  return storePolicyReader(list);
}
