/** Reading and writing the metadata of stored objects, which are plain JSON. */

import { formatTimestamp } from './names.js';
import { isObject, metaOf, type Meta, type Obj, type OwnerReference } from '../../api/object.js';

export { isObject, metaOf, type Meta, type Obj, type OwnerReference };

/** Reads one stored object: resource (`pods`, `apps/daemonsets`), namespace ('' for cluster-scoped), name. Shared and deep-frozen: the reader changes nothing. */
export type ObjectLookup = (resource: string, namespace: string, name: string) => Readonly<Obj> | undefined;

/** A copy of `object` with metadata fields replaced (an `undefined` value removes the field). */
export function withMeta(object: Obj, changes: Partial<Meta>): Obj {
  const meta: Record<string, unknown> = { ...metaOf(object) };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete meta[key];
    else meta[key] = value;
  }
  return { ...object, metadata: meta };
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
