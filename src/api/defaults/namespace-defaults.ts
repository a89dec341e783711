/**
 * Namespace: the `kubernetes.io/metadata.name` label (defaulting and Canonicalize keep it equal to
 * the name, on every write) and the Active phase.
 */
import { defaultString, ensureObject, objectAt, stringAt, type JsonObject } from './json.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Mutates `namespace` in place with the API server's defaults. */
export function defaultNamespace(namespace: JsonObject): void {
  labelWithName(namespace);
  // NamespaceSpec is a struct value: always serialized.
  ensureObject(namespace, 'spec');
  defaultString(ensureObject(namespace, 'status'), 'phase', 'Active');
}

/** Sets the name label, when the name is known (a generated name is known only after PrepareForCreate). */
export function labelWithName(namespace: JsonObject): void {
  const metadata = objectAt(namespace, 'metadata');
  const name = metadata && stringAt(metadata, 'name');
  if (!metadata || !name) return;
  ensureObject(metadata, 'labels')[NAMESPACE_NAME_LABEL] = name;
}
