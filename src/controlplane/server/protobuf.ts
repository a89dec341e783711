/**
 * Decoding the Protobuf request bodies that kubectl 1.32+ sends from its typed clients (`kubectl
 * create namespace|serviceaccount|configmap|secret`, `kubectl create token`, `kubectl auth can-i`
 * and `whoami`): the `k8s\0`
 * envelope and the few message types those commands send, into the JSON objects the rest of
 * the server handles. Responses stay JSON, which those clients accept. The message definitions
 * follow k8s.io/api's generated.proto (field numbers), for the fields these kinds have.
 */
import type protobuf from 'protobufjs';
import { badRequest, StatusError } from '../api/status-error.js';
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
const KINDS = new Set(['Namespace', 'ServiceAccount', 'ConfigMap', 'Secret', 'TokenRequest', 'SelfSubjectAccessReview', 'SelfSubjectReview']);
for (const kind of DEPLOYMENT_KINDS) KINDS.add(kind);
/** Pointer fields, kept when 0. */
const POINTERS = new Set<string>(DEPLOYMENT_POINTER_FIELDS);
/** Fields whose values are user data (maps), where an empty string is a real value. */
const MAPS = new Set(['labels', 'annotations', 'data', 'binaryData', 'stringData']);

/**
 * Decodes a Protobuf request body into its JSON object.
 * @throws StatusError 415 for a kind hostpod does not decode from Protobuf, 400 for a broken body
 */
export async function decodeProtobuf(body: Buffer): Promise<Record<string, unknown>> {
  const root = await types();
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest('the Protobuf body does not start with the k8s\\0 envelope');
  let unknown: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array };
  try {
    unknown = root.lookupType('Unknown').toObject(root.lookupType('Unknown').decode(body.subarray(4)));
  } catch (error) {
    throw badRequest(`the Protobuf body cannot be decoded: ${(error as Error).message}`);
  }
  const kind = unknown.typeMeta?.kind ?? '';
  if (!KINDS.has(kind)) {
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
  const metadata = (object['metadata'] ?? {}) as Record<string, unknown>;
  const created = metadata['creationTimestamp'] as { seconds?: number } | undefined;
  if (created) metadata['creationTimestamp'] = created.seconds ? new Date(created.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
  return { apiVersion: unknown.typeMeta?.apiVersion ?? '', kind, ...object, metadata };
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
