/**
 * RFC 7386 JSON merge patch as kube-apiserver applies it, with evanphx/json-patch's MergePatch.
 *
 * Hand-written (a few lines) so that the edge cases answer as the API server does: a null patch
 * is "Invalid JSON Patch", a patch that is not an object fails kube-apiserver's own decoding
 * first (its default field validation decodes the body strictly into a map), null members are
 * pruned from objects the patch brings in but kept as array elements.
 *
 * The result's objects are in the order the library writes them, since the order of a failure's
 * unknown fields follows it: every object the merge opened (the root, each merged object, each
 * object the patch brought in) as a Go map, keys sorted; the rest as they were.
 */

import { jsonWord } from './go-format.js';
import { asGoMap, getOwn, isJsonObject, setOwn, toJson, type JsonObject, type JsonValue } from './json-value.js';
import { badRequest, unclassified } from './patch-error.js';

/**
 * Applies a merge patch (the decoded request body) to `original` and returns the new document.
 * @throws PatchError 400 when the patch is null ("Invalid JSON Patch") or not an object.
 */
export function applyMergePatch(original: unknown, patch: unknown): JsonValue {
  const document = toJson(original);
  const changes = toJson(patch);
  if (changes !== null && !isJsonObject(changes)) {
    throw badRequest(`error decoding patch: json: cannot unmarshal ${jsonWord(changes)} into Go value of type map[string]interface {}`);
  }
  if (document === null) throw unclassified('Invalid JSON Document');
  if (changes === null) throw badRequest('Invalid JSON Patch');
  if (!isJsonObject(document)) return pruneNulls(changes);
  mergeObjects(document, changes);
  return document;
}

function mergeObjects(target: JsonObject, changes: JsonObject): void {
  for (const [key, change] of Object.entries(changes)) {
    if (change === null) {
      delete target[key];
      continue;
    }
    const current = getOwn(target, key);
    setOwn(target, key, current === undefined || current === null ? pruneNulls(change) : mergeValue(current, change));
  }
  asGoMap(target);
}

function mergeValue(current: JsonValue, change: JsonValue): JsonValue {
  if (!isJsonObject(current)) return pruneNulls(change);
  // The library hands back a non-object change as it came, without pruning.
  if (!isJsonObject(change)) return change;
  mergeObjects(current, change);
  return current;
}

function pruneNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map((item) => (item === null ? null : pruneNulls(item)));
  if (!isJsonObject(value)) return value;
  for (const [key, item] of Object.entries(value)) {
    if (item === null) delete value[key];
    else setOwn(value, key, pruneNulls(item));
  }
  return asGoMap(value);
}
