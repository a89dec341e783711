/**
 * Strict decoding of patch bodies, as kube-apiserver does it under fieldValidation=Strict or Warn
 * (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go): a JSON patch is decoded into
 * its list of operations (unknown and duplicate fields of an operation, and duplicates inside its
 * value, are "json patch" errors); a merge or strategic merge patch into a map, where a duplicate
 * key anywhere is an error. These errors come before those of the patched object.
 */
import { duplicateFieldPaths, duplicateKeys, MAX_STRICT_ERRORS } from '../../api/json/index.js';
import { isJsonObject } from './json-value.js';
import { JSON_PATCH_TYPE, patchMediaType } from './media-types.js';

/** The fields of kube-apiserver's jsonPatchOp. */
const OPERATION_FIELDS = new Set(['op', 'path', 'from', 'value']);

/** The strict errors of a decoded patch body ("duplicate field ...", "json patch unknown field ..."). */
export function patchStrictErrors(contentType: string, patch: unknown): string[] {
  if (patchMediaType(contentType) !== JSON_PATCH_TYPE) return duplicateFieldPaths(patch).map((path) => `duplicate field "${path}"`);
  if (!Array.isArray(patch)) return [];
  const errors: string[] = [];
  patch.forEach((operation: unknown, i) => {
    if (!isJsonObject(operation)) return;
    const repeated = duplicateKeys(operation);
    for (const key of Object.keys(operation)) {
      // An unknown field is skipped whole, as Go's decoder skips it: no duplicates reported in it.
      if (!OPERATION_FIELDS.has(key)) {
        errors.push(`json patch unknown field "[${i}].${key}"`);
        continue;
      }
      if (key === 'value') errors.push(...duplicateFieldPaths(operation[key], `[${i}].value`).map((path) => `json patch duplicate field "${path}"`));
      if (repeated.includes(key)) errors.push(`json patch duplicate field "[${i}].${key}"`);
    }
  });
  return errors.slice(0, MAX_STRICT_ERRORS);
}
