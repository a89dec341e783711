/**
 * The Node authorizer: what a node (`system:node:NAME`) may do through the API, as
 * kube-apiserver's Node authorization mode and the `system:node` rules grant it. It reads only
 * its own Node, the pods bound to it, and the Secrets, ConfigMaps and service-account tokens
 * those pods refer to; writes it is granted broadly (its Node, pod status, pod deletion) are
 * narrowed to its own objects by the NodeRestriction admission (api/node-restriction.ts).
 */
import { parseFieldSelector, type FieldRequirement } from '../api/selectors.js';
import type { Attributes } from './authorizer.js';
import type { NodeGraph, RelatedKind } from './node-graph.js';
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
export function authorizeNode(user: UserInfo, node: string, a: Attributes, graph: NodeGraph): NodeDecision {
  if (node === '') return deny(`unknown node for user "${user.username}"`);
  const name = requestName(a);
  switch (`${a.group}/${a.resource}`) {
    case '/nodes':
      return nodeObject(node, a, name);
    case 'coordination.k8s.io/leases':
      return lease(node, a);
    case '/pods':
      return pod(node, a, name, graph);
    case '/events':
      return ['create', 'patch', 'update'].includes(a.verb) ? allow : deny();
    case '/configmaps':
    case '/secrets':
      return readNamespacedObject(node, a, name, graph);
    case '/serviceaccounts':
      return createToken(node, a, name, graph);
    case 'authorization.k8s.io/subjectaccessreviews':
    case 'authentication.k8s.io/tokenreviews':
      // The kubelet asks who its callers are and whether they may use its endpoint (system:node's rules).
      return a.verb === 'create' ? allow : deny();
    default:
      return deny();
  }
}

/**
 * The object a request is about: its name, or for a list or watch the name a `metadata.name=`
 * field selector picks, as kube-apiserver's request info reads it (so a node may watch one Secret).
 */
function requestName(a: Attributes): string {
  if (a.name !== undefined && a.name !== '') return a.name;
  if (a.verb !== 'list' && a.verb !== 'watch') return '';
  return selector(a).find((r) => r.field === 'metadata.name' && r.op === '=')?.value ?? '';
}

function selector(a: Attributes): FieldRequirement[] {
  try {
    return parseFieldSelector(a.fieldSelector ?? '');
  } catch {
    return []; // a malformed selector selects nothing here; the request itself answers 400 later
  }
}

function related(node: string, kind: RelatedKind, a: Attributes, name: string, graph: NodeGraph): NodeDecision {
  if (name === '') return deny('No Object name found');
  return graph.related(node, kind, a.namespace, name) ? allow : deny(`no relationship found between node '${node}' and this object`);
}

function readNamespacedObject(node: string, a: Attributes, name: string, graph: NodeGraph): NodeDecision {
  if (!READ.includes(a.verb)) return deny('can only read resources of this type');
  if (a.subresource !== undefined) return deny('cannot read subresource');
  if (a.namespace === '') return deny('can only read namespaced object of this type');
  return related(node, a.resource as RelatedKind, a, name, graph);
}

function createToken(node: string, a: Attributes, name: string, graph: NodeGraph): NodeDecision {
  if (a.verb !== 'create' || name === '') return deny('can only create tokens for individual service accounts');
  if (a.subresource !== 'token') return deny('can only create token subresource of serviceaccount');
  return related(node, 'serviceaccounts', a, name, graph);
}

function nodeObject(node: string, a: Attributes, name: string): NodeDecision {
  if (a.subresource === undefined) {
    // Which Node a node may create or change is NodeRestriction's business; it cannot delete one.
    if (['create', 'update', 'patch'].includes(a.verb)) return allow;
    if (!READ.includes(a.verb)) return deny();
    if (name === node) return allow;
    return deny(name === '' ? `node '${node}' cannot read all nodes, only its own Node object` : `node '${node}' cannot read '${name}', only its own Node object`);
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

function pod(node: string, a: Attributes, name: string, graph: NodeGraph): NodeDecision {
  switch (a.subresource) {
    case undefined:
      if (a.verb === 'get') return related(node, 'pods', a, name, graph);
      if (a.verb === 'list' || a.verb === 'watch') {
        if (selector(a).some((r) => r.field === 'spec.nodeName' && r.op === '=' && r.value === node)) return allow;
        if (name !== '') return related(node, 'pods', a, name, graph);
        return deny('can only list/watch pods with spec.nodeName field selector');
      }
      // create (mirror pods) and delete are narrowed to the node's own pods by NodeRestriction.
      return ['create', 'delete'].includes(a.verb) ? allow : deny();
    case 'status':
      return ['update', 'patch'].includes(a.verb) ? allow : deny();
    default:
      return deny();
  }
}
