/**
 * Decoding the Protobuf request bodies that kubectl 1.32+ sends from its typed clients (`kubectl
 * create namespace|serviceaccount|configmap|secret|role|clusterrole|rolebinding|clusterrolebinding`,
 * `kubectl create token`, `kubectl auth can-i` (with --list) and `whoami`): the `k8s\0`
 * envelope and the few message types those commands send, into the JSON objects the rest of
 * the server handles. Responses stay JSON, which those clients accept. The message definitions
 * follow k8s.io/api's generated.proto (field numbers), for the fields these kinds have.
 */
import type protobuf from 'protobufjs';
import { badRequest, StatusError } from '../api/status-error.js';
import { BATCH_KINDS, decodeBatch } from './protobuf-batch.js';
import { DEPLOYMENT_KINDS, DEPLOYMENT_POINTER_FIELDS, DEPLOYMENT_SCHEMA } from './protobuf-deployment.js';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

const str = (id: number) => ({ type: 'string', id });
const map = (id: number, type = 'string') => ({ keyType: 'string', type, id });
const repeated = (id: number, type: string) => ({ rule: 'repeated', type, id });

const SCHEMA = {
  nested: {
    Unknown: { fields: { typeMeta: { type: 'TypeMeta', id: 1 }, raw: { type: 'bytes', id: 2 }, contentEncoding: str(3), contentType: str(4) } },
    TypeMeta: { fields: { apiVersion: str(1), kind: str(2) } },
    Time: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
    OwnerReference: { fields: { kind: str(1), name: str(3), uid: str(4), apiVersion: str(5), controller: { type: 'bool', id: 6 }, blockOwnerDeletion: { type: 'bool', id: 7 } } },
    ObjectMeta: {
      fields: {
        name: str(1), generateName: str(2), namespace: str(3), uid: str(5), resourceVersion: str(6), generation: { type: 'int64', id: 7 },
        creationTimestamp: { type: 'Time', id: 8 }, labels: map(11), annotations: map(12), ownerReferences: repeated(13, 'OwnerReference'),
        finalizers: repeated(14, 'string'),
      },
    },
    LocalObjectReference: { fields: { name: str(1) } },
    ObjectReference: { fields: { kind: str(1), namespace: str(2), name: str(3), uid: str(4), apiVersion: str(5), resourceVersion: str(6), fieldPath: str(7) } },
    Namespace: { fields: { metadata: { type: 'ObjectMeta', id: 1 }, spec: { type: 'NamespaceSpec', id: 2 }, status: { type: 'NamespaceStatus', id: 3 } } },
    NamespaceSpec: { fields: { finalizers: repeated(1, 'string') } },
    NamespaceStatus: { fields: { phase: str(1) } },
    ServiceAccount: {
      fields: {
        metadata: { type: 'ObjectMeta', id: 1 }, secrets: repeated(2, 'ObjectReference'), imagePullSecrets: repeated(3, 'LocalObjectReference'),
        automountServiceAccountToken: { type: 'bool', id: 4 },
      },
    },
    ConfigMap: { fields: { metadata: { type: 'ObjectMeta', id: 1 }, data: map(2), binaryData: map(3, 'bytes'), immutable: { type: 'bool', id: 4 } } },
    Secret: { fields: { metadata: { type: 'ObjectMeta', id: 1 }, data: map(2, 'bytes'), type: str(3), stringData: map(4), immutable: { type: 'bool', id: 5 } } },
    TokenRequest: { fields: { metadata: { type: 'ObjectMeta', id: 1 }, spec: { type: 'TokenRequestSpec', id: 2 } } },
    TokenRequestSpec: { fields: { audiences: repeated(1, 'string'), boundObjectRef: { type: 'BoundObjectReference', id: 3 }, expirationSeconds: { type: 'int64', id: 4 } } },
    BoundObjectReference: { fields: { kind: str(1), apiVersion: str(2), name: str(3), uid: str(4) } },
    SelfSubjectAccessReview: { fields: { metadata: { type: 'ObjectMeta', id: 1 }, spec: { type: 'SelfSubjectAccessReviewSpec', id: 2 } } },
    SelfSubjectAccessReviewSpec: { fields: { resourceAttributes: { type: 'ResourceAttributes', id: 1 }, nonResourceAttributes: { type: 'NonResourceAttributes', id: 2 } } },
    ResourceAttributes: {
      fields: {
        namespace: str(1), verb: str(2), group: str(3), version: str(4), resource: str(5), subresource: str(6), name: str(7),
        fieldSelector: { type: 'SelectorAttributes', id: 8 }, labelSelector: { type: 'SelectorAttributes', id: 9 },
      },
    },
    // FieldSelectorAttributes and LabelSelectorAttributes have the same fields and numbers, as their requirements do.
    SelectorAttributes: { fields: { rawSelector: str(1), requirements: repeated(2, 'SelectorRequirement') } },
    SelectorRequirement: { fields: { key: str(1), operator: str(2), values: repeated(3, 'string') } },
    NonResourceAttributes: { fields: { path: str(1), verb: str(2) } },
    SelfSubjectReview: { fields: { metadata: { type: 'ObjectMeta', id: 1 } } },
    DeleteOptions: {
      fields: {
        gracePeriodSeconds: { type: 'int64', id: 1 }, preconditions: { type: 'Preconditions', id: 2 }, orphanDependents: { type: 'bool', id: 3 },
        propagationPolicy: str(4), dryRun: repeated(5, 'string'),
      },
    },
    Preconditions: { fields: { uid: str(1), resourceVersion: str(2) } },
    // kubectl create service (clusterip, nodeport, loadbalancer, externalname).
    IntOrString: { fields: { type: { type: 'int64', id: 1 }, intVal: { type: 'int32', id: 2 }, strVal: str(3) } },
    Service: { fields: { metadata: { type: 'ObjectMeta', id: 1 }, spec: { type: 'ServiceSpec', id: 2 } } },
    ServiceSpec: {
      fields: {
        ports: repeated(1, 'ServicePort'), selector: map(2), clusterIP: str(3), type: str(4), externalIPs: repeated(5, 'string'),
        sessionAffinity: str(7), loadBalancerIP: str(8), loadBalancerSourceRanges: repeated(9, 'string'), externalName: str(10),
        externalTrafficPolicy: str(11), healthCheckNodePort: { type: 'int32', id: 12 }, publishNotReadyAddresses: { type: 'bool', id: 13 },
        ipFamilyPolicy: str(17), clusterIPs: repeated(18, 'string'), ipFamilies: repeated(19, 'string'),
        loadBalancerClass: str(21), internalTrafficPolicy: str(22), trafficDistribution: str(23),
      },
    },
    ServicePort: { fields: { name: str(1), protocol: str(2), port: { type: 'int32', id: 3 }, targetPort: { type: 'IntOrString', id: 4 }, nodePort: { type: 'int32', id: 5 }, appProtocol: str(6) } },
    SelfSubjectRulesReview: { fields: { metadata: { type: 'ObjectMeta', id: 1 }, spec: { type: 'SelfSubjectRulesReviewSpec', id: 2 } } },
    SelfSubjectRulesReviewSpec: { fields: { namespace: str(1) } },
    // rbac.authorization.k8s.io/v1 (`kubectl create role|clusterrole|rolebinding|clusterrolebinding`).
    PolicyRule: { fields: { verbs: repeated(1, 'string'), apiGroups: repeated(2, 'string'), resources: repeated(3, 'string'), resourceNames: repeated(4, 'string'), nonResourceURLs: repeated(5, 'string') } },
    Role: { fields: { metadata: { type: 'ObjectMeta', id: 1 }, rules: repeated(2, 'PolicyRule') } },
    ClusterRole: { fields: { metadata: { type: 'ObjectMeta', id: 1 }, rules: repeated(2, 'PolicyRule'), aggregationRule: { type: 'AggregationRule', id: 3 } } },
    AggregationRule: { fields: { clusterRoleSelectors: repeated(1, 'LabelSelector') } },
    Subject: { fields: { kind: str(1), apiGroup: str(2), name: str(3), namespace: str(4) } },
    RoleRef: { fields: { apiGroup: str(1), kind: str(2), name: str(3) } },
    RoleBinding: { fields: { metadata: { type: 'ObjectMeta', id: 1 }, subjects: repeated(2, 'Subject'), roleRef: { type: 'RoleRef', id: 3 } } },
    ClusterRoleBinding: { fields: { metadata: { type: 'ObjectMeta', id: 1 }, subjects: repeated(2, 'Subject'), roleRef: { type: 'RoleRef', id: 3 } } },
    ...DEPLOYMENT_SCHEMA,
  },
};

let loaded: protobuf.Root | undefined;

/** protobufjs and the types, loaded at the first Protobuf body (most clients never send one). */
async function types(): Promise<protobuf.Root> {
  if (!loaded) {
    const { default: pb } = await import('protobufjs');
    loaded = pb.Root.fromJSON(SCHEMA);
  }
  return loaded;
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const KINDS = new Set(['Namespace', 'ServiceAccount', 'ConfigMap', 'Secret', 'TokenRequest', 'SelfSubjectAccessReview', 'SelfSubjectReview', 'Service', 'SelfSubjectRulesReview', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
for (const kind of DEPLOYMENT_KINDS) KINDS.add(kind);
/** Pointer fields, kept when 0. */
const POINTERS = new Set<string>(DEPLOYMENT_POINTER_FIELDS);
/** DeleteOptions' fields whose zero is a choice (a grace of 0 deletes now), kept when sent. */
const SENT_ZEROS = new Set(['gracePeriodSeconds', 'orphanDependents']);
/** Fields whose values are user data (maps), where an empty string is a real value. */
const MAPS = new Set(['labels', 'annotations', 'data', 'binaryData', 'stringData', 'selector', 'matchLabels']);

/**
 * Decodes a Protobuf request body into its JSON object; `expected` is the kind a body must be
 * (a DELETE's DeleteOptions), else any of the create and update kinds.
 * @throws StatusError 415 for a kind hostpod does not decode from Protobuf, 400 for a broken body
 */
export async function decodeProtobuf(body: Buffer, expected?: 'DeleteOptions'): Promise<Record<string, unknown>> {
  const root = await types();
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest('the Protobuf body does not start with the k8s\\0 envelope');
  let unknown: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array };
  try {
    unknown = root.lookupType('Unknown').toObject(root.lookupType('Unknown').decode(body.subarray(4)));
  } catch (error) {
    throw badRequest(`the Protobuf body cannot be decoded: ${(error as Error).message}`);
  }
  // client-go leaves an options body's kind out; it is what the request reads.
  const kind = expected ?? unknown.typeMeta?.kind ?? '';
  if (expected === undefined && BATCH_KINDS.has(kind)) return decodeBatch(kind, unknown.typeMeta?.apiVersion ?? '', unknown.raw ?? new Uint8Array());
  if (expected === undefined && !KINDS.has(kind)) {
    throw new StatusError(415, 'UnsupportedMediaType', `hostpod reads ${kind || 'this kind'} only as JSON (Content-Type: application/json); Protobuf is accepted for ${[...KINDS].join(', ')}`);
  }
  let message: Record<string, unknown>;
  try {
    const type = root.lookupType(kind);
    message = type.toObject(type.decode(unknown.raw ?? new Uint8Array()), { longs: Number, bytes: String });
  } catch (error) {
    throw badRequest(`the Protobuf ${kind} cannot be decoded: ${(error as Error).message}`);
  }
  const object = prune(message) as Record<string, unknown>;
  if (expected !== undefined) return object;
  const metadata = (object['metadata'] ?? {}) as Record<string, unknown>;
  const created = metadata['creationTimestamp'] as { seconds?: number } | undefined;
  if (created) metadata['creationTimestamp'] = created.seconds ? new Date(created.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
  intOrStrings(object);
  return { apiVersion: unknown.typeMeta?.apiVersion ?? '', kind, ...object, metadata };
}

/** A Service's targetPorts, IntOrString messages (type 1: a name), as JSON writes them: a number or a string. */
function intOrStrings(object: Record<string, unknown>): void {
  const ports = (object['spec'] as { ports?: Record<string, unknown>[] } | undefined)?.ports ?? [];
  for (const port of ports) {
    const target = port['targetPort'] as { type?: number; intVal?: number; strVal?: string } | undefined;
    if (target) port['targetPort'] = target.type === 1 ? target.strVal ?? '' : target.intVal ?? 0;
  }
}

/** Drops the zero values Go writes out in Protobuf but omits in JSON (omitempty), except in data maps. */
function prune(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prune);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (MAPS.has(key)) {
      if (item && typeof item === 'object' && Object.keys(item).length > 0) out[key] = item;
      continue;
    }
    const pruned = prune(item);
    if (SENT_ZEROS.has(key) && pruned !== undefined) {
      out[key] = pruned;
      continue;
    }
    if (POINTERS.has(key) && pruned === 0) {
      out[key] = 0;
      continue;
    }
    if (pruned === '' || pruned === 0 || pruned === false || pruned === undefined) continue;
    if (Array.isArray(pruned) && pruned.length === 0) continue;
    if (pruned && typeof pruned === 'object' && !Array.isArray(pruned) && Object.keys(pruned).length === 0) continue;
    out[key] = pruned;
  }
  return out;
}
