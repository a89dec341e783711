/**
 * Lists in a strategic merge patch: merging by key, set unions of scalars, "$patch" elements,
 * and the element order that results (strategicpatch's mergeSlice and normalizeElementOrder).
 */

import { badArgType, noMergeKey, PATCH_DIRECTIVE, SET_ELEMENT_ORDER, withoutDirectives } from './directives.js';
import { goString, goTypeName, goValue } from './go-format.js';
import { getOwn, isJsonObject, type JsonObject, type JsonValue } from './json-value.js';
import { strategyOf, type FieldMeta, type TypeMeta } from './patch-meta.js';
import { unclassified, unprocessable } from './patch-error.js';

/** Merges a list element that matched by key (the map merge, passed in to avoid an import cycle). */
export type MergeElement = (original: JsonObject, patch: JsonObject, type: TypeMeta | undefined) => JsonObject;

type ElementKind = 'map' | 'scalar';

/**
 * The field's list after the patch's list: replaced unless the field's strategy is merge.
 * `deleteList` marks a "$deleteFromPrimitiveList" list, whose scalars are removed instead.
 */
export function mergeList(original: JsonValue[], patch: JsonValue[], field: FieldMeta | undefined, deleteList: boolean, mergeElement: MergeElement): JsonValue[] {
  if (strategyOf(field).strategy !== 'merge') return withoutDirectives(patch) as JsonValue[];
  if (original.length === 0 && patch.length === 0) return original;
  const mergeKey = field?.patchMergeKey ?? '';
  const kind = elementKind(original, patch);
  if (kind === 'scalar') {
    if (deleteList) return original.filter((item) => !patch.includes(item));
    const merged = dedupeScalars([...original, ...patch]);
    const [fromPatch, serverOnly] = partitionByPresence(merged, patch, mergeKey);
    return normalizeElementOrder(fromPatch, serverOnly, patch, original, mergeKey, kind);
  }
  if (!mergeKey) throw unclassified(`cannot merge lists without merge key for ${field?.type?.elem?.name ?? 'interface'}`);
  const { server, changes } = applyListDirectives(original, patch as JsonObject[], mergeKey);
  const merged = mergeByKey(server, changes, mergeKey, field?.type?.elem, mergeElement);
  const [fromPatch, serverOnly] = partitionByPresence(merged, changes, mergeKey);
  return normalizeElementOrder(fromPatch, serverOnly, changes, server, mergeKey, kind);
}

/** Whether the lists hold maps or scalars; they must agree, and lists of lists are refused. */
export function elementKind(...lists: JsonValue[][]): ElementKind {
  let first: string | undefined;
  for (const item of lists.flat()) {
    const type = goTypeName(item);
    if (first === undefined) {
      if (Array.isArray(item)) throw unprocessable('lists of lists are not supported');
      first = type;
    } else if (type !== first) {
      throw unclassified(`list element types are not identical: ${goValue(lists)}`);
    }
  }
  if (first === undefined) throw unclassified('no elements in any of the given slices');
  return first === 'map[string]interface {}' ? 'map' : 'scalar';
}

/** Handles elements carrying "$patch": delete removes by key, replace drops the server's list. */
function applyListDirectives(original: JsonValue[], patch: JsonObject[], mergeKey: string): { server: JsonValue[]; changes: JsonObject[] } {
  let server = original;
  const changes: JsonObject[] = [];
  let replace = false;
  for (const element of patch) {
    const directive = getOwn(element, PATCH_DIRECTIVE);
    if (directive === undefined) {
      changes.push(element);
    } else if (directive === 'delete') {
      const key = getOwn(element, mergeKey);
      if (key === undefined) throw noMergeKey(element, mergeKey);
      server = server.filter((item) => !(isJsonObject(item) && getOwn(item, mergeKey) === key));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw unclassified('merging lists cannot yet be specified in the patch');
    } else {
      throw unclassified(`unknown patch type: ${goString(directive)} in map: ${goValue(element)}`);
    }
  }
  if (replace) return { server: changes.map((element) => withoutDirectives(element) as JsonObject), changes: [] };
  return { server, changes };
}

function mergeByKey(server: JsonValue[], changes: JsonObject[], mergeKey: string, elemType: TypeMeta | undefined, mergeElement: MergeElement): JsonValue[] {
  const merged = [...server];
  for (const change of changes) {
    const key = getOwn(change, mergeKey);
    if (key === undefined) throw noMergeKey(change, mergeKey);
    const index = indexByKey(merged, mergeKey, key);
    const current = merged[index];
    if (isJsonObject(current)) merged[index] = mergeElement(current, change, elemType);
    else merged.push(withoutDirectives(change) ?? {});
  }
  return merged;
}

function indexByKey(list: JsonValue[], mergeKey: string, key: JsonValue): number {
  return list.findIndex((item, index) => {
    if (!isJsonObject(item)) throw unclassified(`value for key ${index} is not a map.`);
    return getOwn(item, mergeKey) === key;
  });
}

/** Go's in-place deduplication, which moves the last element into each duplicate's place. */
function dedupeScalars(items: JsonValue[]): JsonValue[] {
  const list = [...items];
  for (let i = 0; i < list.length - 1; i++) {
    for (let j = i + 1; j < list.length; j++) {
      if (list[i] === list[j]) {
        list[j] = list[list.length - 1] ?? null;
        list.pop();
        j--;
      }
    }
  }
  return list;
}

/** Splits `items` into those present in `by` (by merge key, or by value for scalars) and the rest. */
export function partitionByPresence(items: JsonValue[], by: JsonValue[], mergeKey: string): [JsonValue[], JsonValue[]] {
  const present: JsonValue[] = [];
  const absent: JsonValue[] = [];
  for (const item of items) {
    let found: boolean;
    if (!mergeKey) {
      found = by.includes(item);
    } else {
      if (!isJsonObject(item)) throw badArgType('map[string]interface {}', item);
      const key = getOwn(item, mergeKey);
      if (key === undefined) throw noMergeKey(item, mergeKey);
      found = indexByKey(by, mergeKey, key) >= 0;
    }
    (found ? present : absent).push(item);
  }
  return [present, absent];
}

/**
 * Orders a merged list: the patch's items in the patch's (or $setElementOrder's) order, the
 * server-only items in the server's order, interleaved where the server's order relates them.
 */
export function normalizeElementOrder(fromPatch: JsonValue[], serverOnly: JsonValue[], patchOrder: JsonValue[], serverOrder: JsonValue[], mergeKey: string, kind: ElementKind): JsonValue[] {
  const patchItems = sortByOrder(fromPatch, patchOrder, mergeKey, kind);
  const serverItems = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  const merged: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < serverItems.length || j < patchItems.length) {
    const left = serverItems[i];
    const right = patchItems[j];
    if (right === undefined) {
      merged.push(left ?? null);
      i++;
      continue;
    }
    if (left !== undefined) {
      const li = orderIndex(serverOrder, left, mergeKey, kind);
      const ri = orderIndex(serverOrder, right, mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) {
        merged.push(left);
        i++;
        continue;
      }
    }
    merged.push(right);
    j++;
  }
  return merged;
}

/** Go's sort.SliceStable (an insertion sort at these sizes) by position in `order`; deletions go last. */
function sortByOrder(items: JsonValue[], order: JsonValue[], mergeKey: string, kind: ElementKind): JsonValue[] {
  let kept = [...items];
  let deletions: JsonValue[] = [];
  if (kind === 'map') {
    for (const item of [...items, ...order]) {
      if (!isJsonObject(item)) throw badArgType('map[string]interface {}', item);
      if (getOwn(item, mergeKey) === undefined) throw noMergeKey(item, mergeKey);
    }
    const isDeletion = (item: JsonValue): boolean => isJsonObject(item) && getOwn(item, PATCH_DIRECTIVE) === 'delete';
    deletions = kept.filter(isDeletion);
    kept = kept.filter((item) => !isDeletion(item));
  }
  // The comparator answers "less" when either item is missing from `order`, as strategicpatch's does.
  const less = (a: JsonValue, b: JsonValue): boolean => {
    const ia = orderIndex(order, a, mergeKey, kind);
    const ib = orderIndex(order, b, mergeKey, kind);
    return ia < 0 || ib < 0 || ia < ib;
  };
  for (let i = 1; i < kept.length; i++) {
    for (let j = i; j > 0 && less(kept[j] ?? null, kept[j - 1] ?? null); j--) {
      [kept[j - 1], kept[j]] = [kept[j] ?? null, kept[j - 1] ?? null];
    }
  }
  return [...kept, ...deletions];
}

function orderIndex(order: JsonValue[], item: JsonValue, mergeKey: string, kind: ElementKind): number {
  const valueOf = (entry: JsonValue): JsonValue => (kind === 'map' ? (isJsonObject(entry) ? (getOwn(entry, mergeKey) ?? null) : null) : entry);
  const wanted = valueOf(item);
  return order.findIndex((entry) => valueOf(entry) === wanted);
}

/**
 * Checks a "$setElementOrder" list against the patch's list: every patch item (deletions and
 * other directives aside) must appear in it, in the same relative order.
 */
export function checkElementOrder(patchList: JsonValue[], orderList: JsonValue[], mergeKey: string): void {
  if (patchList.length === 0 || orderList.length === 0) return;
  let items = patchList;
  if (mergeKey) {
    for (const item of patchList) if (!isJsonObject(item)) throw badArgType('map[string]interface {}', item);
    items = patchList.filter((item) => getOwn(item as JsonObject, PATCH_DIRECTIVE) !== 'delete');
  }
  let p = 0;
  let o = 0;
  while (p < items.length && o < orderList.length) {
    const item = items[p] ?? null;
    if (isJsonObject(item) && Object.hasOwn(item, PATCH_DIRECTIVE)) {
      p++;
      continue;
    }
    if (sameMergeKey(item, orderList[o] ?? null, mergeKey)) p++;
    o++;
  }
  if (p < items.length) {
    throw unclassified(`The order in patch list:\n${goValue(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goValue(orderList)}\n`);
  }
}

function sameMergeKey(left: JsonValue, right: JsonValue, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  if (!isJsonObject(left)) throw badArgType('map[string]interface {}', left);
  if (!isJsonObject(right)) throw badArgType('map[string]interface {}', right);
  const leftKey = getOwn(left, mergeKey);
  if (leftKey === undefined) throw noMergeKey(left, mergeKey);
  const rightKey = getOwn(right, mergeKey);
  if (rightKey === undefined) throw noMergeKey(right, mergeKey);
  return leftKey === rightKey;
}
