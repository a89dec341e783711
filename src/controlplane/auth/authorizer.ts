/**
 * Authorization. Admin (system:masters) may do everything. A service account may read and write
 * the namespaced objects of its own namespace, and read its namespace itself. A node agent
 * (`system:node:NAME` in `system:nodes`) may do what the kubelet's `system:node` role and the
 * Node authorizer allow: its own Node and Lease, its pods' status, deleting pods, events, reading
 * ConfigMaps and Secrets, and tokens for service accounts. (Upstream's Node authorizer further
 * limits reads to the objects the node's pods reference; hostpod does not keep that graph.)
 * Everything else is forbidden, with RBAC's wording so kubectl users recognise it.
 */
import type { UserInfo } from './user.js';
import { SYSTEM_MASTERS } from './user.js';

export interface Attributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace: string;
  name?: string;
  namespaced: boolean;
}

/** Undefined when allowed; otherwise the reason, for a 403. */
export function authorize(user: UserInfo, attributes: Attributes): string | undefined {
  if (user.groups.includes(SYSTEM_MASTERS)) return undefined;
  if (nodeMayDo(user, attributes)) return undefined;
  const account = user.serviceAccount;
  if (account) {
    if (attributes.namespaced && attributes.namespace === account.namespace) return undefined;
    const ownNamespace = attributes.resource === 'namespaces' && attributes.name === account.namespace && attributes.verb === 'get';
    if (ownNamespace) return undefined;
  }
  return denial(user, attributes);
}

export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';

const READ = ['get', 'list', 'watch'];

function nodeMayDo(user: UserInfo, a: Attributes): boolean {
  if (!user.groups.includes(NODES_GROUP) || !user.username.startsWith(NODE_USER_PREFIX)) return false;
  const node = user.username.slice(NODE_USER_PREFIX.length);
  const own = a.name === node;
  switch (`${a.group}/${a.resource}`) {
    case '/nodes':
      return READ.includes(a.verb) || a.verb === 'create' || (own && ['patch', 'update'].includes(a.verb));
    case 'coordination.k8s.io/leases':
      return a.namespace === 'kube-node-lease' && (READ.includes(a.verb) || a.verb === 'create' || (own && ['patch', 'update'].includes(a.verb)));
    case '/pods':
      if (a.subresource === 'status') return ['get', 'patch', 'update'].includes(a.verb);
      return a.subresource === undefined && (READ.includes(a.verb) || a.verb === 'delete');
    case '/events':
      return ['create', 'patch', 'update'].includes(a.verb);
    case '/configmaps':
    case '/secrets':
      return READ.includes(a.verb);
    case '/serviceaccounts':
      return a.subresource === 'token' ? a.verb === 'create' : a.subresource === undefined && a.verb === 'get';
    default:
      return false;
  }
}

function denial(user: UserInfo, a: Attributes): string {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespaced && a.namespace !== '' ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}`;
}
