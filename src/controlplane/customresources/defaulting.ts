/**
 * Structural defaulting: a field its schema gives a `default` is set to it when absent (or null
 * and not nullable), at every level, as kube-apiserver defaults a custom resource when it decodes
 * one (a request's body, and a stored object when it is read); then a null the schema does not
 * allow (not nullable, no default) is dropped, as upstream prunes it.
 */
import { cloneJson } from '../../api/defaults/json.js';
import { fieldSchema, isPlainObject, type StructuralSchema } from './structural-schema.js';

/** Applies the schema's defaults to `object`, in place. */
export function applySchemaDefaults(object: Record<string, unknown>, schema: StructuralSchema): void {
  defaultValue(object, schema);
}

function defaultValue(value: unknown, schema: StructuralSchema | undefined): void {
  if (schema === undefined) return;
  if (Array.isArray(value)) {
    if (!schema.items) return;
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null && schema.items.nullable !== true && schema.items.default !== undefined) value[i] = cloneJson(schema.items.default);
      defaultValue(value[i], schema.items);
    }
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const current = value[name];
    const missing = current === undefined || (current === null && property.nullable !== true);
    if (missing && property.default !== undefined) value[name] = cloneJson(property.default);
  }
  for (const key of Object.keys(value)) {
    const child = fieldSchema(schema, key);
    if (child === undefined) continue;
    if (value[key] === null && child.nullable !== true) {
      delete value[key];
      continue;
    }
    defaultValue(value[key], child);
  }
}
