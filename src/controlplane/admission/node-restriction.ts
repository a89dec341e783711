/**
 * NodeRestriction, kube-apiserver's admission plugin for requests from nodes: a node may create
 * and change only its own Node (and neither its taints nor labels a kubelet may not set on
 * itself), its own Lease, and the status of pods bound to it, and delete only pods bound to it.
 * Its refusals are upstream's, word for word.
 */
import { nodeIdentity } from '../auth/node-identity.js';
import type { UserInfo } from '../auth/user.js';
import { metaOf, type Obj } from '../api/object-meta.js';
import { forbidden, notFound, type StatusError } from '../api/status-error.js';
import { semanticEqual } from '../../api/defaults/json.js';
import type { ResourceDefinition } from '../resources/definition.js';

export type Operation = 'create' | 'update' | 'delete';

/** What NodeRestriction looks at in a request. */
export interface NodeRequest {
  operation: Operation;
  info: ResourceDefinition;
  subresource?: string;
  /** The object as it would be stored (create, update), or as it is (delete). */
  object: Obj;
  /** The stored object, for an update. */
  current?: Obj;
}

/** Mirror pods carry this annotation; hostpod runs no static pods, but refuses others as upstream does. */
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** The labels a kubelet may set on its own Node, and the label namespaces it may use (k8s.io/kubelet's list). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type', 'node.kubernetes.io/instance-type',
  'kubernetes.io/os', 'kubernetes.io/arch', 'beta.kubernetes.io/os', 'beta.kubernetes.io/arch',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

/**
 * Admits a request by `user` when it is a node's.
 * @throws StatusError 403 with NodeRestriction's reason
 */
export function admitNodeRequest(user: UserInfo, request: NodeRequest): void {
  const node = nodeIdentity(user);
  if (node === undefined) return;
  const refuse = (why: string): StatusError => forbidden(request.info, metaOf(request.object).name ?? '', why);
  if (node === '') throw refuse(`could not determine node from user "${user.username}"`);
  const why = reasonToRefuse(node, request);
  if (why !== undefined) throw refuse(why);
}

function reasonToRefuse(node: string, r: NodeRequest): string | undefined {
  switch (`${r.info.group}/${r.info.resource}`) {
    case '/pods':
      return r.subresource === 'status' ? podStatus(node, r) : r.subresource === undefined ? podItself(node, r) : `unexpected pod subresource "${r.subresource}", only 'status' and 'eviction' are allowed`;
    case '/nodes':
      return nodeObject(node, r);
    case 'coordination.k8s.io/leases':
      if (metaOf(r.object).namespace !== 'kube-node-lease') return 'can only access leases in the "kube-node-lease" system namespace';
      return metaOf(r.object).name === node ? undefined : 'can only access node lease with the same name as the requesting node';
    default:
      return undefined;
  }
}

function nodeNameOf(pod: Obj | undefined): string {
  return ((pod?.['spec'] ?? {}) as { nodeName?: string }).nodeName ?? '';
}

function podItself(node: string, r: NodeRequest): string | undefined {
  if (r.operation === 'delete') return nodeNameOf(r.object) === node ? undefined : `node "${node}" can only delete pods with spec.nodeName set to itself`;
  if (r.operation === 'create') {
    if (metaOf(r.object).annotations?.[MIRROR_POD_ANNOTATION] === undefined) {
      return `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`;
    }
    return `node "${node}" can only create mirror pods, and hostpod runs no static pods`;
  }
  return `unexpected operation "${r.operation.toUpperCase()}", node "${node}" can only create and delete mirror pods`;
}

function podStatus(node: string, r: NodeRequest): string | undefined {
  if (r.operation !== 'update' || !r.current) return `unexpected operation "${r.operation.toUpperCase()}"`;
  if (nodeNameOf(r.current) !== node) return `node "${node}" can only update pod status for pods with spec.nodeName set to itself`;
  if (!semanticEqual(metaOf(r.object).labels ?? {}, metaOf(r.current).labels ?? {})) return `node "${node}" cannot update labels through pod status`;
  return undefined;
}

function nodeObject(node: string, r: NodeRequest): string | undefined {
  const name = metaOf(r.object).name ?? '';
  if (name !== node) return `node "${node}" is not allowed to modify node "${name}"`;
  const spec = (object: Obj | undefined): { taints?: unknown; configSource?: unknown } => (object?.['spec'] ?? {});
  if (r.operation === 'create') {
    if (spec(r.object).configSource !== undefined && spec(r.object).configSource !== null) return `node "${node}" is not allowed to create pods with a non-nil configSource`;
    const forbidden = forbiddenLabels(metaOf(r.object).labels ?? {}, {});
    if (forbidden.length > 0) return `node "${node}" is not allowed to set the following labels: ${forbidden.join(', ')}`;
  }
  if (r.operation === 'update' && r.current) {
    const configSource = spec(r.object).configSource;
    if (configSource !== undefined && configSource !== null && !semanticEqual(configSource, spec(r.current).configSource)) {
      return `node "${node}" is not allowed to update configSource to a new non-nil configSource`;
    }
    if (!semanticEqual(spec(r.object).taints ?? [], spec(r.current).taints ?? [])) return `node "${node}" is not allowed to modify taints`;
    const forbidden = forbiddenLabels(metaOf(r.object).labels ?? {}, metaOf(r.current).labels ?? {});
    // Upstream's message names no node here.
    if (forbidden.length > 0) return `is not allowed to modify labels: ${forbidden.join(', ')}`;
  }
  return undefined;
}

/** The keys added, removed or changed between two label sets that a node may not touch, sorted. */
function forbiddenLabels(after: Record<string, string>, before: Record<string, string>): string[] {
  const changed = new Set<string>();
  for (const [key, value] of Object.entries(after)) if (before[key] !== value) changed.add(key);
  for (const [key, value] of Object.entries(before)) if (after[key] !== value) changed.add(key);
  return [...changed].filter((key) => {
    const prefix = key.includes('/') ? key.slice(0, key.indexOf('/')) : '';
    if (inNamespace(prefix, 'node-restriction.kubernetes.io')) return true;
    return (inNamespace(prefix, 'kubernetes.io') || inNamespace(prefix, 'k8s.io')) && !isKubeletLabel(key, prefix);
  }).sort();
}

function inNamespace(prefix: string, namespace: string): boolean {
  return prefix === namespace || prefix.endsWith(`.${namespace}`);
}

function isKubeletLabel(key: string, prefix: string): boolean {
  return KUBELET_LABELS.has(key) || KUBELET_LABEL_NAMESPACES.some((namespace) => inNamespace(prefix, namespace));
}

/** A TokenRequest's `spec.boundObjectRef`. */
export interface BoundObjectRef {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

/**
 * Admits a TokenRequest for service account `account` by `user` when it is a node's: the token
 * must be bound to a pod (by name and uid) that is bound to that node.
 * @throws StatusError 403 with NodeRestriction's reason, 404 when the pod does not exist
 */
export function admitNodeTokenRequest(user: UserInfo, info: ResourceDefinition, account: string, ref: BoundObjectRef | undefined, findPod: (name: string) => Obj | undefined): void {
  const node = nodeIdentity(user);
  if (node === undefined) return;
  const refuse = (why: string): StatusError => forbidden(info, account, why);
  if (node === '') throw refuse(`could not determine node from user "${user.username}"`);
  if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw refuse('node requested token not bound to a pod');
  if (!ref.uid) throw refuse('node requested token with a pod binding without a uid');
  const pod = findPod(ref.name);
  if (!pod) throw notFound({ group: '', resource: 'pods' }, ref.name);
  if (metaOf(pod).uid !== ref.uid) {
    throw refuse(`the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  if (nodeNameOf(pod) !== node) throw refuse('node requested token bound to a pod scheduled on a different node');
}
