/**
 * Pruning: the fields a custom resource's structural schema does not declare are dropped, as
 * kube-apiserver drops them while decoding, and named (`spec.foo`, `spec.items[0].bar`) so that
 * strict field validation can refuse them or warn about them. An object's apiVersion, kind and
 * metadata are always kept, at the top and in embedded resources.
 */
import { fieldSchema, isPlainObject, preservesUnknown, type StructuralSchema } from './structural-schema.js';

const TYPE_META = ['apiVersion', 'kind', 'metadata'];

/**
 * Removes from `object` (in place) every field the schema does not declare.
 * @returns the removed fields' paths, sorted as kube-apiserver reports them
 */
export function pruneUnknownFields(object: Record<string, unknown>, schema: StructuralSchema): string[] {
  const removed: string[] = [];
  pruneObject(object, schema, '', true, removed);
  return removed.sort();
}

function pruneValue(value: unknown, schema: StructuralSchema | undefined, path: string, removed: string[]): void {
  if (schema === undefined) return;
  if (isPlainObject(value)) pruneObject(value, schema, path, schema['x-kubernetes-embedded-resource'] === true, removed);
  else if (Array.isArray(value) && schema.items) value.forEach((item, i) => pruneValue(item, schema.items, `${path}[${i}]`, removed));
}

function pruneObject(object: Record<string, unknown>, schema: StructuralSchema, path: string, resource: boolean, removed: string[]): void {
  const preserve = preservesUnknown(schema);
  for (const key of Object.keys(object)) {
    // apiVersion and kind are the type's; metadata is ObjectMeta, validated as any object's.
    if (resource && TYPE_META.includes(key)) continue;
    const child = path === '' ? key : `${path}.${key}`;
    const declared = fieldSchema(schema, key);
    if (declared === undefined) {
      if (!preserve) {
        delete object[key];
        removed.push(child);
      }
      continue;
    }
    pruneValue(object[key], declared, child, removed);
  }
}
