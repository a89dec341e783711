/**
 * Namespace: the `kubernetes.io/metadata.name` label (defaulting and Canonicalize keep it equal to
 * the name, on every write), the Active phase, and the `kubernetes` finalizer a new namespace gets.
 */
import { copyField, defaultString, ensureObject, objectAt, stringAt, type JsonObject } from './json.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
export const KUBERNETES_FINALIZER = 'kubernetes';

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

/** PrepareForCreate of a namespace: Active, with the `kubernetes` finalizer. */
export function prepareNamespaceForCreate(namespace: JsonObject): void {
  namespace['status'] = { phase: 'Active' };
  const spec = ensureObject(namespace, 'spec');
  const finalizers = Array.isArray(spec['finalizers']) ? (spec['finalizers'] as unknown[]) : [];
  if (!finalizers.includes(KUBERNETES_FINALIZER)) spec['finalizers'] = [...finalizers, KUBERNETES_FINALIZER];
}

/** PrepareForUpdate of a namespace: only `namespaces/finalize` changes the finalizers. */
export function keepNamespaceFinalizers(oldNamespace: JsonObject, newNamespace: JsonObject): void {
  copyField(ensureObject(oldNamespace, 'spec'), ensureObject(newNamespace, 'spec'), 'finalizers');
}
