/**
 * Object metadata: names, namespace, labels (ValidateObjectMeta and ValidateLabels).
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { invalid, required, tooLong, type FieldError, type FieldPath } from '../field.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './names.js';

/** Validates the metadata of a top-level object whose name must be a DNS-1123 subdomain. */
export function validateObjectMeta(meta: V1ObjectMeta | undefined, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const name = meta?.name ?? '';
  const generateName = meta?.generateName ?? '';
  if (name === '' && generateName === '') {
    errors.push(required(path.child('name'), 'name or generateName is required'));
  }
  if (name !== '') {
    for (const message of isDNS1123Subdomain(name)) errors.push(invalid(path.child('name'), name, message));
  }
  if (generateName !== '') {
    // A generated name gets a random suffix, so a trailing '-' is fine.
    for (const message of isDNS1123Subdomain(generateName.replace(/-$/, 'a'))) {
      errors.push(invalid(path.child('generateName'), generateName, message));
    }
  }
  const namespace = meta?.namespace ?? '';
  if (namespace !== '') {
    for (const message of isDNS1123Label(namespace)) errors.push(invalid(path.child('namespace'), namespace, message));
  }
  errors.push(...validateLabels(meta?.labels, path.child('labels')));
  errors.push(...validateAnnotations(meta?.annotations, path.child('annotations')));
  return errors;
}

/** Label keys must be qualified names and values valid label values. */
export function validateLabels(labels: Record<string, string> | undefined | null, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    for (const message of isQualifiedName(key)) errors.push(invalid(path, key, message));
    // Upstream reports a bad value at the labels field itself, not keyed.
    for (const message of isValidLabelValue(String(value))) errors.push(invalid(path, value, message));
  }
  return errors;
}

/** TotalAnnotationSizeLimitB: the bytes of all annotations' keys and values together. */
const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;

/** Annotation keys must be qualified names, and all of them together at most 256 KiB (ValidateAnnotations). */
export function validateAnnotations(annotations: Record<string, string> | undefined | null, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    for (const message of isQualifiedName(key.toLowerCase())) errors.push(invalid(path, key, message));
    size += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (size > ANNOTATIONS_SIZE_LIMIT) errors.push(tooLong(path, ANNOTATIONS_SIZE_LIMIT));
  return errors;
}

/** The API server's create-time warning for pod names that are not DNS labels. */
export function podNameWarning(meta: V1ObjectMeta | undefined): string | undefined {
  return nameWarning(meta, "this is used in the Pod's hostname");
}

/** The same warning for Deployments and Jobs, whose pods take their names. */
export function workloadNameWarning(meta: V1ObjectMeta | undefined): string | undefined {
  return nameWarning(meta, 'this is used in Pod names and hostnames');
}

// The problems as Go prints a []string with %v: in brackets, separated by spaces.
function nameWarning(meta: V1ObjectMeta | undefined, use: string): string | undefined {
  const name = meta?.name ?? '';
  if (name === '' || isDNS1123Subdomain(name).length > 0) return undefined;
  const problems = isDNS1123Label(name);
  if (problems.length === 0) return undefined;
  return `metadata.name: ${use}, which can result in surprising behavior; a DNS label is recommended: [${problems.join(' ')}]`;
}
