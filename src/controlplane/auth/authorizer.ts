/**
 * Authorization. Admin (system:masters) may do everything. Any authenticated user may ask about
 * itself (SelfSubjectAccessReview, SelfSubjectReview). A service account may read and write
 * the namespaced objects of its own namespace, and read its namespace itself. A node agent
 * (`system:node:NAME` in `system:nodes`) may do what kube-apiserver's Node authorizer lets a
 * kubelet do (node-authorizer.ts). Everything else is forbidden, with RBAC's wording so kubectl
 * users recognise it, followed by the Node authorizer's reason when it gave one.
 */
import type { ObjectApi } from '../api/object-api.js';
import { authorizeNode } from './node-authorizer.js';
import { storeGraph } from './node-graph.js';
import { nodeIdentity } from './node-identity.js';
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
}

/** An authorizer's answer: allowed or not, and why not when it can say (often it cannot: ''). */
export interface Decision {
  allowed: boolean;
  reason: string;
}

/**
 * Undefined when allowed; otherwise the reason, for a 403. `api` is where a node's relations to
 * the objects it reads are looked up (the pods bound to it).
 */
export function authorize(user: UserInfo, attributes: Attributes, api: Pick<ObjectApi, 'list'>): string | undefined {
  const decision = decide(user, attributes, api);
  return decision.allowed ? undefined : denial(user, attributes, decision.reason);
}

/** Whether `user` may do what `attributes` describe: what a SubjectAccessReview answers. */
export function decide(user: UserInfo, attributes: Attributes, api: Pick<ObjectApi, 'list'>): Decision {
  if (user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
  if (basicUser(user, attributes)) return { allowed: true, reason: '' };
  const node = nodeIdentity(user);
  if (node !== undefined) return authorizeNode(user, node, attributes, storeGraph(api));
  const account = user.serviceAccount;
  if (account) {
    const ownNamespace = attributes.resource === 'namespaces' && attributes.name === account.namespace && attributes.verb === 'get';
    if ((attributes.namespaced && attributes.namespace === account.namespace) || ownNamespace) return { allowed: true, reason: '' };
  }
  return { allowed: false, reason: '' };
}

/** RBAC's system:basic-user, bound to every authenticated user: asking about oneself. */
const SELF_REVIEWS = new Set(['authorization.k8s.io/selfsubjectaccessreviews', 'authentication.k8s.io/selfsubjectreviews']);

function basicUser(user: UserInfo, a: Attributes): boolean {
  return a.verb === 'create' && a.subresource === undefined && SELF_REVIEWS.has(`${a.group}/${a.resource}`) && user.groups.includes('system:authenticated');
}

/** RBAC's wording of a refusal: who cannot do what to which resource where, and why when known. */
export function denial(user: UserInfo, a: Attributes, reason = ''): string {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  // kube-apiserver's RequestInfo reads /namespaces/NAME as namespace NAME, so RBAC's message names it.
  const namespace = a.resource === 'namespaces' && a.name !== undefined ? a.name : a.namespaced ? a.namespace : '';
  const scope = namespace !== '' ? `in the namespace "${namespace}"` : 'at the cluster scope';
  return `User "${user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}${reason === '' ? '' : `: ${reason}`}`;
}
