/**
 * The Node authorizer: what a node (`system:node:NAME`) may do through the API, as
 * kube-apiserver's Node authorization mode and the `system:node` rules grant it. Writes it is
 * granted broadly (its Node, pod status, pod deletion) are narrowed to its own objects by the
 * NodeRestriction admission (api/node-restriction.ts); leases it may touch only by its own name.
 */
import type { Attributes } from './authorizer.js';
import type { UserInfo } from './user.js';

/** The authorizer's answer: allowed, or not with upstream's reason (possibly empty). */
export interface NodeDecision {
  allowed: boolean;
  reason: string;
}

const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const READ = ['get', 'list', 'watch'];

const allow: NodeDecision = { allowed: true, reason: '' };
const deny = (reason = ''): NodeDecision => ({ allowed: false, reason });

/** Whether node `node` (the identity of `user`) may do what `a` describes. */
export function authorizeNode(user: UserInfo, node: string, a: Attributes): NodeDecision {
  if (node === '') return deny(`unknown node for user "${user.username}"`);
  switch (`${a.group}/${a.resource}`) {
    case '/nodes':
      return nodeObject(a);
    case 'coordination.k8s.io/leases':
      return lease(node, a);
    case '/pods':
      return pod(a);
    case '/events':
      return ['create', 'patch', 'update'].includes(a.verb) ? allow : deny();
    case '/configmaps':
    case '/secrets':
      return READ.includes(a.verb) && a.subresource === undefined ? allow : deny();
    case '/serviceaccounts':
      return a.subresource === 'token' ? (a.verb === 'create' ? allow : deny()) : a.subresource === undefined && a.verb === 'get' ? allow : deny();
    default:
      return deny();
  }
}

function nodeObject(a: Attributes): NodeDecision {
  if (a.subresource === undefined) {
    // Which Node a node may create or change is NodeRestriction's business; it cannot delete one.
    if (['create', 'update', 'patch'].includes(a.verb)) return allow;
    return READ.includes(a.verb) ? allow : deny();
  }
  return a.subresource === 'status' && ['update', 'patch'].includes(a.verb) ? allow : deny();
}

function lease(node: string, a: Attributes): NodeDecision {
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return deny('can only get, create, update, patch, or delete a node lease');
  if (a.namespace !== NODE_LEASE_NAMESPACE) return deny(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  // A create's name is in its body: NodeRestriction checks it.
  if (a.verb !== 'create' && a.name !== node) return deny('can only access node lease with the same name as the requesting node');
  return allow;
}

function pod(a: Attributes): NodeDecision {
  switch (a.subresource) {
    case undefined:
      // create (mirror pods) and delete are narrowed to the node's own pods by NodeRestriction.
      return [...READ, 'create', 'delete'].includes(a.verb) ? allow : deny();
    case 'status':
      return ['update', 'patch'].includes(a.verb) ? allow : deny();
    default:
      return deny();
  }
}
