/**
 * Authorization, as kube-apiserver's `--authorization-mode=Node,RBAC` behind its privileged
 * group: system:masters may do everything; a node agent (`system:node:NAME` in `system:nodes`)
 * may do what the Node authorizer lets a kubelet do (node-authorizer.ts); then RBAC
 * (rbac/rbac-authorizer.ts) decides for everyone, nodes included: service accounts, users and
 * groups, by the roles bound to them. A refusal is worded as kube-apiserver words it, followed by
 * the authorizers' reasons when they gave any.
 */
import type { ObjectApi } from '../api/object-api.js';
import { authorizeNode } from './node-authorizer.js';
import { storeGraph } from './node-graph.js';
import { nodeIdentity } from './node-identity.js';
import { apiPolicyReader, type PolicyReader } from './rbac/policy-reader.js';
import { rbacAllowsPath, rbacAllowsResource } from './rbac/rbac-authorizer.js';
import type { UserInfo } from './user.js';
import { SYSTEM_MASTERS } from './user.js';

export { NODE_USER_PREFIX, NODES_GROUP } from './node-identity.js';

export interface Attributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace: string;
  name?: string;
  namespaced: boolean;
  /** A list's or watch's `fieldSelector`, which scopes what a node may list. */
  fieldSelector?: string;
  /**
   * An access review's attributes: the namespace is the one the review names, whatever the
   * resource's scope, as kube-apiserver passes a review's attributes on as they are.
   */
  reviewed?: boolean;
}

/** A non-resource request: its path and verb (the HTTP method, lower case). */
export interface PathAttributes {
  path: string;
  verb: string;
}

/** An authorizer's answer: allowed or not, and why (often it cannot say: ''). */
export interface Decision {
  allowed: boolean;
  reason: string;
}

/**
 * Undefined when allowed; otherwise the reason, for a 403. `api` is where a node's relations to
 * the objects it reads are looked up (the pods bound to it), and where RBAC's roles and bindings are.
 */
export function authorize(user: UserInfo, attributes: Attributes, api: Pick<ObjectApi, 'list' | 'store'>): string | undefined {
  const decision = decide(user, attributes, api);
  return decision.allowed ? undefined : denial(user, attributes, decision.reason);
}

/** Undefined when `user` may do the non-resource request; otherwise the 403's message. */
export function authorizePath(user: UserInfo, request: PathAttributes, api: Pick<ObjectApi, 'list'>): string | undefined {
  const decision = decidePath(user, request, apiPolicyReader(api));
  if (decision.allowed) return undefined;
  return `forbidden: User ${JSON.stringify(user.username)} cannot ${request.verb} path ${JSON.stringify(request.path)}${decision.reason === '' ? '' : `: ${decision.reason}`}`;
}

/** Whether `user` may do what `attributes` describe: what a SubjectAccessReview answers. */
export function decide(user: UserInfo, attributes: Attributes, api: Pick<ObjectApi, 'list' | 'store'>, reader: PolicyReader = apiPolicyReader(api)): Decision {
  if (user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
  const reasons: string[] = [];
  const node = nodeIdentity(user);
  if (node !== undefined) {
    const decision = authorizeNode(user, node, attributes, storeGraph(api));
    if (decision.allowed) return decision;
    if (decision.reason !== '') reasons.push(decision.reason);
  }
  const rbac = rbacAllowsResource(reader, user, requestNamespace(attributes), {
    verb: attributes.verb, group: attributes.group, resource: attributes.resource,
    ...(attributes.subresource === undefined ? {} : { subresource: attributes.subresource }),
    ...(attributes.name === undefined ? {} : { name: attributes.name }),
  });
  if (rbac.allowed) return rbac;
  if (rbac.reason !== '') reasons.push(rbac.reason);
  // The union authorizer joins its authorizers' reasons by lines.
  return { allowed: false, reason: reasons.join('\n') };
}

/** Whether `user` may do the non-resource request: what a SubjectAccessReview of a path answers. */
export function decidePath(user: UserInfo, request: PathAttributes, reader: PolicyReader): Decision {
  if (user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
  return rbacAllowsPath(reader, user, request);
}

/**
 * The namespace a request is in as kube-apiserver's RequestInfo reads it: a namespaced
 * resource's, and for `/namespaces/NAME` the namespace NAME itself (so a RoleBinding in a
 * namespace may let one read it).
 */
export function requestNamespace(a: Attributes): string {
  if (a.reviewed) return a.namespace;
  if (a.resource === 'namespaces' && a.group === '' && a.name !== undefined) return a.name;
  return a.namespaced ? a.namespace : '';
}

/** RBAC's wording of a refusal: who cannot do what to which resource where, and why when known. */
export function denial(user: UserInfo, a: Attributes, reason = ''): string {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const namespace = requestNamespace(a);
  const scope = namespace !== '' ? `in the namespace "${namespace}"` : 'at the cluster scope';
  return `User "${user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}${reason === '' ? '' : `: ${reason}`}`;
}
