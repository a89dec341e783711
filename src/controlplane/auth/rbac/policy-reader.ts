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
  /** Every ClusterRole, for the aggregation controller. */
  clusterRoles(): Obj[];
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
    clusterRoles: () => list('clusterroles', ''),
  };
}

/** The reader of the object API's RBAC objects. */
export function apiPolicyReader(api: Pick<ObjectApi, 'list'>): PolicyReader {
  return policyReader((resource, namespace) => {
    const info = findResource(RBAC_GROUP, 'v1', resource);
    return info ? api.list(info, namespace).items : [];
  });
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
