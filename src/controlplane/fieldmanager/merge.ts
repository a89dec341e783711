/**
 * An applied configuration merged into a live object, and fields removed from one, by their field
 * types (structured-merge-diff's Merge and RemoveItems).
 */
import { cloneJson } from '../../api/defaults/json.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../patch/json-value.js';
import type { FieldSet } from './field-set.js';
import { resolveType, type FieldType, type FieldTypes, type TypeRef } from './field-types.js';
import { fieldElement } from './path-element.js';
import { childType, isGranularList, isGranularMap, itemElement, type Value } from './schema-walk.js';

/**
 * `config` merged into `live` (Merge): granular maps field by field, map lists and sets item by
 * item (live's items in their order, the configuration's where it places them), anything atomic
 * replaced.
 */
export function mergeObjects(types: FieldTypes, ref: TypeRef, live: Value, config: Value): Value {
  return merge(types, resolveType(types, ref), live, config);
}

function merge(types: FieldTypes, type: FieldType, live: Value, config: Value): Value {
  if (config === undefined) return live;
  if (live === undefined || live === null) return cloneJson(config);
  if (isGranularMap(type, config) && isGranularMap(type, live)) {
    const out: JsonObject = { ...live };
    for (const [key, child] of Object.entries(config)) {
      const merged = merge(types, childType(types, type, key), Object.hasOwn(live, key) ? live[key] : undefined, child);
      if (merged === undefined || merged === null) delete out[key];
      else out[key] = merged;
    }
    return out;
  }
  if (isGranularList(type, config) && isGranularList(type, live) && type.kind === 'list') return mergeLists(types, type, live, config);
  return cloneJson(config);
}

/** Upstream's list merge: live's items keep their order, the configuration's items are placed in its order among them. */
function mergeLists(types: FieldTypes, type: Extract<FieldType, { kind: 'list' }>, live: JsonValue[], config: JsonValue[]): JsonValue[] {
  const itemType = resolveType(types, type.items);
  const lElements = live.map((item) => itemElement(types, type, item));
  const rElements = config.map((item) => itemElement(types, type, item));
  const lByElement = new Map(lElements.map((e, i) => [e, live[i]!]));
  const rByElement = new Map(rElements.map((e, i) => [e, config[i]!]));
  const shared = rElements.filter((e) => lByElement.has(e));
  let sharedIndex = 0;
  const merged = new Set<string>();
  const out: JsonValue[] = [];
  const mergeItem = (element: string): JsonValue => (type.listType === 'map' ? merge(types, itemType, lByElement.get(element), rByElement.get(element)) as JsonValue : rByElement.get(element)!);
  let l = 0;
  let r = 0;
  while (l < lElements.length || r < rElements.length) {
    if (l < lElements.length && r < rElements.length) {
      const element = lElements[l]!;
      if (element === rElements[r]) {
        merged.add(element);
        out.push(mergeItem(element));
        l++;
        r++;
        if (shared[sharedIndex] === element) sharedIndex++;
        continue;
      }
      if (rByElement.has(element) && shared[sharedIndex] !== undefined && shared[sharedIndex] !== element) {
        l++;
        continue;
      }
    }
    if (l < lElements.length) {
      const element = lElements[l]!;
      if (!rByElement.has(element)) {
        out.push(live[l]!);
        l++;
        continue;
      }
      if (merged.has(element)) {
        l++;
        continue;
      }
    }
    if (r < rElements.length) {
      const element = rElements[r]!;
      if (!merged.has(element)) {
        merged.add(element);
        out.push(mergeItem(element));
      }
      r++;
      if (shared[sharedIndex] === element) sharedIndex++;
    }
  }
  return out;
}

/**
 * `value` without the members of `remove` (RemoveItems): each removed path goes with what is
 * under it, and maps and lists emptied by a removal go too (Go drops them from its objects).
 */
export function removeFields(types: FieldTypes, ref: TypeRef, value: Value, remove: FieldSet): Value {
  return removeFrom(types, resolveType(types, ref), value, remove);
}

function removeFrom(types: FieldTypes, type: FieldType, value: Value, remove: FieldSet): Value {
  if (remove.isEmpty()) return value;
  if (isGranularMap(type, value)) {
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
      const element = fieldElement(key);
      if (remove.members.has(element)) continue;
      const below = remove.children.get(element);
      if (!below) {
        out[key] = child;
        continue;
      }
      const ct = childType(types, type, key);
      const kept = removeFrom(types, ct, child, below);
      if (kept === undefined) continue;
      if (emptied(ct, child, kept)) continue;
      out[key] = kept;
    }
    return out;
  }
  if (isGranularList(type, value) && type.kind === 'list') {
    const itemType = resolveType(types, type.items);
    const out: JsonValue[] = [];
    for (const item of value) {
      const element = itemElement(types, type, item);
      if (remove.members.has(element)) continue;
      const below = remove.children.get(element);
      out.push(below ? (removeFrom(types, itemType, item, below) as JsonValue) : item);
    }
    return out;
  }
  return value;
}

/** Whether a removal inside a map or list (not a struct) left it empty. */
function emptied(type: FieldType, before: Value, after: Value): boolean {
  if (type.kind === 'struct') return false;
  if (Array.isArray(after)) return after.length === 0 && Array.isArray(before) && before.length > 0;
  return isJsonObject(after) && Object.keys(after).length === 0 && isJsonObject(before) && Object.keys(before).length > 0;
}
