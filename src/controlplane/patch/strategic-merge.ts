/**
 * Strategic merge patch as kube-apiserver applies it (k8s.io/apimachinery's strategicpatch
 * StrategicMergeMapPatch, then the typed decoding that follows it).
 *
 * Hand-written: no JavaScript library applies Kubernetes strategic merge patches faithfully
 * (merge keys from the Go struct tags, "$patch", "$retainKeys", "$setElementOrder",
 * "$deleteFromPrimitiveList", and the element order kubectl apply relies on).
 */

import { checkDecodable } from './decode-check.js';
import {
  badArgType,
  DELETE_FROM_PRIMITIVE_LIST,
  directiveField,
  PATCH_DIRECTIVE,
  RETAIN_KEYS,
  SET_ELEMENT_ORDER,
  takeOver,
  withoutDirectives,
} from './directives.js';
import { goString, goValue, jsonWord } from './go-format.js';
import { getOwn, isJsonObject, setOwn, toJson, type JsonObject, type JsonValue } from './json-value.js';
import { unsupportedMediaType, STRATEGIC_MERGE_PATCH_TYPE } from './media-types.js';
import { fieldOf, strategyOf, type TypeMeta } from './patch-meta.js';
import { badRequest, unclassified } from './patch-error.js';
import { checkElementOrder, elementKind, mergeList, normalizeElementOrder, partitionByPresence } from './strategic-lists.js';

/**
 * Applies a strategic merge patch (the decoded request body) to `original`, an object of a kind
 * whose patch metadata is `type` (a resource definition's `patchMeta`).
 * @throws PatchError 415 for a kind without patch metadata, 400 for a malformed patch or
 *   directive, 422 when the result would not decode (a list where an object belongs), and 400
 *   where kube-apiserver answers 500 (a missing merge key, an unknown "$patch").
 */
export function applyStrategicMergePatch(type: TypeMeta | undefined, original: unknown, patch: unknown): JsonObject {
  return strategicMerge(type, original, patch).object;
}

/**
 * `applyStrategicMergePatch`, with the patch as the merge leaves it: strategicpatch changes the
 * patch map it is given (directives it has applied, lists merged by "$setElementOrder", nulls
 * in the values it takes over), and kube-apiserver prints that map when the result fails to
 * decode.
 */
export function strategicMerge(type: TypeMeta | undefined, original: unknown, patch: unknown): { object: JsonObject; patch: JsonValue } {
  if (!type) throw unsupportedMediaType(type, STRATEGIC_MERGE_PATCH_TYPE);
  const document = toJson(original);
  if (!isJsonObject(document)) throw new TypeError(`the object to patch must be a JSON object, not ${jsonWord(document)}`);
  const changes = toJson(patch);
  // A JSON null decodes to a nil map: a patch that changes nothing.
  if (changes === null) return { object: document, patch: null };
  if (!isJsonObject(changes)) throw badRequest(`json: cannot unmarshal ${jsonWord(changes)} into Go value of type map[string]interface {}`);
  const patched = mergeMap(document, changes, type);
  checkDecodable(patched, type, () => goValue(changes));
  return { object: patched, patch: changes };
}

/** Merges `patch` into `original`, changing both (they are this module's own copies). */
function mergeMap(original: JsonObject, patch: JsonObject, type: TypeMeta | undefined): JsonObject {
  const directive = getOwn(patch, PATCH_DIRECTIVE);
  if (directive !== undefined) return mapDirective(directive, patch);
  retainKeys(original, patch);
  mergeElementOrders(original, patch, type);
  // Deletion lists go after the lists they prune; kube-apiserver's order here is a Go map's.
  const keys = Object.keys(patch);
  const isDeletion = (key: string): boolean => key.startsWith(DELETE_FROM_PRIMITIVE_LIST);
  for (const key of [...keys.filter((key) => !isDeletion(key)), ...keys.filter(isDeletion)]) {
    const change = patch[key] ?? null;
    const deleteList = isDeletion(key);
    const name = deleteList ? directiveField(key, DELETE_FROM_PRIMITIVE_LIST) : key;
    if (change === null) {
      delete original[name];
      continue;
    }
    const current = getOwn(original, name);
    if (current === undefined || shape(current) !== shape(change)) {
      if (!deleteList) put(original, name, withoutDirectives(takeOver(change)));
      continue;
    }
    const field = fieldOf(type, name);
    if (isJsonObject(current) && isJsonObject(change)) {
      const replace = strategyOf(field).strategy === 'replace';
      setOwn(original, name, replace ? (withoutDirectives(change) ?? {}) : mergeMap(current, change, field?.type));
    } else if (Array.isArray(current) && Array.isArray(change)) {
      setOwn(original, name, mergeList(current, change, field, deleteList, mergeMap));
    } else {
      setOwn(original, name, change);
    }
  }
  return original;
}

function shape(value: JsonValue): 'object' | 'list' | 'scalar' {
  if (Array.isArray(value)) return 'list';
  return isJsonObject(value) ? 'object' : 'scalar';
}

function put(object: JsonObject, key: string, value: JsonValue | undefined): void {
  if (value === undefined) delete object[key];
  else setOwn(object, key, value);
}

/** "$patch" in a map: replace takes the patch as it stands, delete leaves an empty map. */
function mapDirective(directive: JsonValue, patch: JsonObject): JsonObject {
  if (directive === 'replace') {
    delete patch[PATCH_DIRECTIVE];
    return withoutDirectives(patch) as JsonObject;
  }
  if (directive === 'delete') return {};
  throw unclassified(`unknown patch type: ${goString(directive)} in map: ${goValue(patch)}`);
}

/** "$retainKeys": the original keeps only the listed keys, and the patch may set no others. */
function retainKeys(original: JsonObject, patch: JsonObject): void {
  const listed = getOwn(patch, RETAIN_KEYS);
  if (listed === undefined) return;
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(listed)) throw badRequest('invalid patch format of retainKeys');
  const retained = new Set<JsonValue>(listed);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!retained.has(key)) throw badRequest('invalid patch format of retainKeys');
  }
  for (const key of Object.keys(original)) {
    if (!retained.has(key)) delete original[key];
  }
}

/**
 * "$setElementOrder/<field>": merges the field's list now and orders it as listed, the
 * server-only items kept where the server's order puts them. Both keys leave the patch.
 */
function mergeElementOrders(original: JsonObject, patch: JsonObject, type: TypeMeta | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key] ?? null;
    delete patch[key];
    if (!Array.isArray(order)) throw badArgType('[]interface {}', order);
    const name = directiveField(key, SET_ELEMENT_ORDER);
    const current = getOwn(original, name);
    const change = getOwn(patch, name);
    if (current !== undefined && !Array.isArray(current)) throw badArgType('[]interface {}', current);
    if (change !== undefined && !Array.isArray(change)) throw badArgType('[]interface {}', change);
    const field = fieldOf(type, name);
    const mergeKey = field?.patchMergeKey ?? '';
    checkElementOrder(change ?? [], order, mergeKey);
    let merged: JsonValue[];
    if (current && change) merged = mergeList(current, change, field, false, mergeMap);
    else if (current) merged = current;
    else if (change) merged = withoutDirectives(change) as JsonValue[];
    else continue;
    const [listed, serverOnly] = partitionByPresence(merged, order, mergeKey);
    const kind = elementKind(current ?? [], change ?? []);
    setOwn(original, name, normalizeElementOrder(listed, serverOnly, order, current ?? [], mergeKey, kind));
    delete patch[name];
  }
}
