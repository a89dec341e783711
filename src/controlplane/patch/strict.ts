/**
 * Strict decoding of patch bodies, as kube-apiserver does it under fieldValidation=Strict or Warn
 * (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go): a JSON patch is decoded into
 * its list of operations (unknown and duplicate fields of an operation, and duplicates inside its
 * value, are "json patch" errors); a merge or strategic merge patch into a map, where a duplicate
 * key anywhere is an error. These errors come before those of the patched object.
 */
import { duplicateFieldPaths, duplicateKeys, MAX_STRICT_ERRORS, stringifyJson } from '../../api/json/index.js';
import { goQuote, goValue } from './go-format.js';
import { isJsonObject, type JsonValue } from './json-value.js';
import { JSON_PATCH_TYPE, patchMediaType, STRATEGIC_MERGE_PATCH_TYPE } from './media-types.js';
import { undecodable, type PatchError } from './patch-error.js';

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

/**
 * 422 Invalid, as kube-apiserver refuses a patch with strict errors under Strict: the patched
 * object as JSON (the patch itself as a Go map for a strategic merge patch) and the errors.
 */
export function strictPatchFailure(contentType: string, patch: unknown, patched: JsonValue, messages: readonly string[]): PatchError {
  const shown = patchMediaType(contentType) === STRATEGIC_MERGE_PATCH_TYPE ? goValue(patch as JsonValue) : stringifyJson(patched);
  const unique = [...new Set(messages)].slice(0, MAX_STRICT_ERRORS);
  return undecodable(goQuote(shown), `strict decoding error: ${unique.join(', ')}`);
}
