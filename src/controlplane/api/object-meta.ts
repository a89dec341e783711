/** Reading and writing the metadata of stored objects, which are plain JSON. */

import { formatTimestamp } from '../defaults/index.js';

export type Obj = Record<string, unknown>;

/** Reads one stored object: resource (`pods`, `apps/daemonsets`), namespace ('' for cluster-scoped), name. */
export type ObjectLookup = (resource: string, namespace: string, name: string) => Obj | undefined;

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

/** A copy of `object` with metadata fields replaced (an `undefined` value removes the field). */
export function withMeta(object: Obj, changes: Partial<Meta>): Obj {
  const meta: Record<string, unknown> = { ...metaOf(object) };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete meta[key];
    else meta[key] = value;
  }
  return { ...object, metadata: meta };
}

export function isObject(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep copy of a JSON value. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The value at a dotted path, or undefined. */
export function dig(object: unknown, path: string): unknown {
  let value = object;
  for (const part of path.split('.')) {
    if (!isObject(value)) return undefined;
    value = value[part];
  }
  return value;
}

/** RFC 3339 with second precision, as metav1.Time marshals. */
export const timestamp = formatTimestamp;
