/**
 * The directives a strategic merge patch may carry, and the errors kube-apiserver gives for them.
 */

import { goTypeName, goValue } from './go-format.js';
import { isJsonObject, setOwn, type JsonObject, type JsonValue } from './json-value.js';
import { badRequest, unclassified, type PatchError } from './patch-error.js';

export const PATCH_DIRECTIVE = '$patch';
export const RETAIN_KEYS = '$retainKeys';
export const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
export const SET_ELEMENT_ORDER = '$setElementOrder';

/** The field a "$deleteFromPrimitiveList/<field>" or "$setElementOrder/<field>" key names. */
export function directiveField(key: string, prefix: typeof DELETE_FROM_PRIMITIVE_LIST | typeof SET_ELEMENT_ORDER): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw badRequest(prefix === SET_ELEMENT_ORDER ? 'invalid patch format of setElementOrder list' : 'invalid patch format of primitive list');
  }
  return key.slice(slash + 1);
}

function isDirectiveKey(key: string): boolean {
  return key === PATCH_DIRECTIVE || key === RETAIN_KEYS || key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER);
}

/**
 * A value taken from the patch as it stands, without what kube-apiserver's typed decoding would
 * not keep: maps carrying "$patch" (undefined when the value itself is one), other directive
 * keys, and null members of objects. Null list elements stay, as strategicpatch leaves them.
 */
export function withoutDirectives(value: JsonValue): JsonValue | undefined {
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      const kept = withoutDirectives(item);
      return kept === undefined ? [] : [kept];
    });
  }
  if (!isJsonObject(value)) return value;
  if (Object.hasOwn(value, PATCH_DIRECTIVE)) return undefined;
  const kept: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (isDirectiveKey(key) || item === null) continue;
    const cleaned = withoutDirectives(item);
    if (cleaned !== undefined) setOwn(kept, key, cleaned);
  }
  return kept;
}

/**
 * A value the patch brings where the object has none (or one of another type), changed in the
 * patch as strategicpatch changes it before taking it over: null members of its objects dropped
 * (discardNullValuesFromPatch), and objects carrying "$patch" dropped from the objects holding
 * them (removeDirectives, which rebuilds lists for the object it returns but leaves the patch's
 * lists and their objects in place). Returns `value`, now as the patch prints it.
 */
export function takeOver(value: JsonValue): JsonValue {
  discardNulls(value);
  dropDirectiveObjects(value);
  return value;
}

function discardNulls(value: JsonValue): void {
  if (Array.isArray(value)) value.forEach(discardNulls);
  if (!isJsonObject(value)) return;
  for (const [key, item] of Object.entries(value)) {
    if (item === null) delete value[key];
    else discardNulls(item);
  }
}

/** Whether `value` stays where it is: an object carrying "$patch" does not. */
function dropDirectiveObjects(value: JsonValue): boolean {
  if (Array.isArray(value)) value.forEach(dropDirectiveObjects);
  if (!isJsonObject(value)) return true;
  if (Object.hasOwn(value, PATCH_DIRECTIVE)) return false;
  for (const [key, item] of Object.entries(value)) {
    if (!dropDirectiveObjects(item)) delete value[key];
  }
  return true;
}

/** mergepatch.ErrNoMergeKey. */
export function noMergeKey(element: JsonObject, mergeKey: string): PatchError {
  return unclassified(`map: ${goValue(element)} does not contain declared merge key: ${mergeKey}`);
}

/** mergepatch.ErrBadArgType: a value of the wrong Go type where `expected` was needed. */
export function badArgType(expected: 'map[string]interface {}' | '[]interface {}', actual: JsonValue): PatchError {
  return unclassified(`expected a ${expected}, but received a ${goTypeName(actual)}`);
}
