/**
 * Kubernetes objects as hostpod handles them: plain JSON, with their metadata. Shared by the
 * control plane, the node agent and the policy engine.
 */

export type Obj = Record<string, unknown>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Meta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  /** An int64: a BigInt beyond 2^53. */
  deletionGracePeriodSeconds?: number | bigint;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export function metaOf(object: Obj): Meta {
  const meta = object['metadata'];
  return meta !== null && typeof meta === 'object' && !Array.isArray(meta) ? (meta) : {};
}

export function isObject(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
