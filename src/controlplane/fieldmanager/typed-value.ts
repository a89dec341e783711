/**
 * The operations server-side apply does on objects by their field types (structured-merge-diff's
 * typed values): the set of fields an object sets, what changed between two objects, the merge of
 * an applied configuration into a live object, and the removal of fields.
 */
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from '../patch/json-value.js';
import { FieldSet, type FieldPath } from './field-set.js';
import { resolveType, UNTYPED, type FieldType, type FieldTypes, type TypeRef } from './field-types.js';
import { fieldElement, keyElement, pathString, valueElement } from './path-element.js';

/** What changed from one object to another: fields added, modified (a different value) and removed. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

type Value = JsonValue | undefined;

/** The type of a struct's or map's child `key`. */
function childType(types: FieldTypes, type: FieldType, key: string): FieldType {
  if (type.kind === 'struct') {
    const field = type.fields[key];
    return field === undefined ? UNTYPED : resolveType(types, field);
  }
  if (type.kind === 'map') return resolveType(types, type.values);
  return UNTYPED;
}

function isGranularMap(type: FieldType, value: Value): value is JsonObject {
  if (!isJsonObject(value)) return false;
  return (type.kind === 'struct' || type.kind === 'map' || type.kind === 'untyped') && !('atomic' in type && type.atomic);
}

function isGranularList(type: FieldType, value: Value): value is JsonValue[] {
  return Array.isArray(value) && type.kind === 'list' && type.listType !== 'atomic';
}

/**
 * The path element of a list item: its keys (`k:`) in a map list, its value (`v:`) in a set.
 * @throws Error for an item of a map list without a key that has no default
 */
export function itemElement(types: FieldTypes, type: Extract<FieldType, { kind: 'list' }>, item: JsonValue): string {
  if (type.listType === 'set') return valueElement(item);
  const keys: [string, JsonValue][] = [];
  for (const key of type.keys ?? []) {
    const value = isJsonObject(item) ? item[key] : undefined;
    if (value !== undefined && value !== null) keys.push([key, value]);
    else if (type.keyDefaults && key in type.keyDefaults) keys.push([key, type.keyDefaults[key] as JsonValue]);
    else throw new Error(`associative list with keys has an element that omits key field ${JSON.stringify(key)} (and doesn't have default value)`);
  }
  return keyElement(keys);
}

function itemsByElement(types: FieldTypes, type: Extract<FieldType, { kind: 'list' }>, list: JsonValue[]): Map<string, JsonValue> {
  const out = new Map<string, JsonValue>();
  for (const item of list) out.set(itemElement(types, type, item), item);
  return out;
}

/** The fields `value` sets (ToFieldSet): leaves, list items, and empty or atomic values as leaves. */
export function fieldSetOf(types: FieldTypes, ref: TypeRef, value: Value, prefix: FieldPath = [], into = new FieldSet()): FieldSet {
  const type = resolveType(types, ref);
  walkSet(types, type, value, [...prefix], into);
  return into;
}

function walkSet(types: FieldTypes, type: FieldType, value: Value, path: string[], into: FieldSet): void {
  if (isGranularMap(type, value)) {
    // A field set to null is a field set (a condition's lastProbeTime: null is owned, as upstream records it).
    for (const [key, child] of Object.entries(value)) {
      const childPath = [...path, fieldElement(key)];
      const ct = childType(types, type, key);
      if (isContainer(ct, child)) walkSet(types, ct, child, childPath, into);
      // An empty map is a field set to {}; an empty set or map list sets nothing (as upstream records it).
      else if (!isGranularList(ct, child)) into.insert(childPath);
    }
    return;
  }
  if (isGranularList(type, value) && type.kind === 'list') {
    const itemType = resolveType(types, type.items);
    for (const item of value) {
      const itemPath = [...path, itemElement(types, type, item)];
      into.insert(itemPath);
      if (type.listType === 'map' && isContainer(itemType, item)) walkSet(types, itemType, item, itemPath, into);
    }
  }
}

/** Whether a value has members of its own in a field set: a granular map or list that is not empty. */
function isContainer(type: FieldType, value: Value): boolean {
  if (isGranularMap(type, value)) return Object.keys(value).length > 0;
  return isGranularList(type, value) && value.length > 0;
}

/**
 * What changed from `live` to `next` (Compare). A container that `live` lacks (absent, not null)
 * and `next` has is added itself, with its fields; a value of an atomic type is compared whole.
 */
export function compareObjects(types: FieldTypes, ref: TypeRef, live: Value, next: Value): Comparison {
  const out: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  walkCompare(types, resolveType(types, ref), live, next, [], out);
  return out;
}

function walkCompare(types: FieldTypes, type: FieldType, live: Value, next: Value, path: string[], out: Comparison): void {
  if (isGranularMap(type, next) && (live === null || isGranularMap(type, live))) {
    const before = live === null ? {} : live;
    for (const [key, child] of Object.entries(next)) {
      const ct = childType(types, type, key);
      const childPath = [...path, fieldElement(key)];
      const old = Object.hasOwn(before, key) ? before[key] : undefined;
      if (child === null && (old === undefined || old === null)) continue;
      compareChild(types, ct, old, child === null ? undefined : child, childPath, out);
    }
    for (const [key, old] of Object.entries(before)) {
      if (Object.hasOwn(next, key) && next[key] !== null) continue;
      if (old === null) continue;
      added(types, childType(types, type, key), old, [...path, fieldElement(key)], out.removed);
    }
    return;
  }
  if (isGranularList(type, next) && type.kind === 'list' && (live === null || isGranularList(type, live))) {
    const itemType = resolveType(types, type.items);
    const before = itemsByElement(types, type, live === null ? [] : live);
    const after = itemsByElement(types, type, next);
    for (const [element, item] of after) {
      const itemPath = [...path, element];
      const old = before.get(element);
      if (old === undefined) {
        out.added.insert(itemPath);
        if (type.listType === 'map') walkSet(types, itemType, item, itemPath, out.added);
      } else if (type.listType === 'map') {
        walkCompare(types, itemType, old, item, itemPath, out);
      }
    }
    for (const [element, old] of before) {
      if (after.has(element)) continue;
      out.removed.insert([...path, element]);
      if (type.listType === 'map') walkSet(types, itemType, old, [...path, element], out.removed);
    }
    return;
  }
  if (!jsonEqual(live ?? null, next ?? null)) out.modified.insert(path);
}

function compareChild(types: FieldTypes, type: FieldType, old: Value, child: Value, path: string[], out: Comparison): void {
  if (child === undefined) {
    if (old !== undefined && old !== null) added(types, type, old, path, out.removed);
    return;
  }
  if (old === undefined) {
    added(types, type, child, path, out.added);
    return;
  }
  const maps = (old === null || isGranularMap(type, old)) && isGranularMap(type, child);
  const lists = (old === null || isGranularList(type, old)) && isGranularList(type, child);
  if (maps || lists) {
    walkCompare(types, type, old, child, path, out);
    return;
  }
  if (!jsonEqual(old, child)) out.modified.insert(path);
}

/** A value that appears (or disappears) at `path`: the path itself, and every field under it. */
function added(types: FieldTypes, type: FieldType, value: Value, path: string[], into: FieldSet): void {
  into.insert(path);
  if (isContainer(type, value)) walkSet(types, type, value, path, into);
}

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
  if (live === undefined || live === null) return structuredClone(config);
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
  return structuredClone(config);
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

/**
 * Checks an applied configuration against its types, as upstream makes a typed value of it:
 * a field its struct does not declare, and a scalar of the wrong type, are errors.
 * @returns the errors, each `.path: message`
 */
export function typeErrors(types: FieldTypes, ref: TypeRef, value: Value): string[] {
  const errors: string[] = [];
  const walk = (type: FieldType, v: Value, path: string[]): void => {
    if (v === undefined || v === null) return;
    switch (type.kind) {
      case 'struct':
        if (!isJsonObject(v)) return void errors.push(`${pathString(path)}: expected map, got ${goValueDump(v)}`);
        for (const [key, child] of Object.entries(v)) {
          if (!Object.hasOwn(type.fields, key)) {
            if (!type.open) errors.push(`${pathString([...path, fieldElement(key)])}: field not declared in schema`);
            continue;
          }
          walk(resolveType(types, type.fields[key]!), child, [...path, fieldElement(key)]);
        }
        return;
      case 'map':
        if (!isJsonObject(v)) return void errors.push(`${pathString(path)}: expected map, got ${goValueDump(v)}`);
        for (const [key, child] of Object.entries(v)) walk(resolveType(types, type.values), child, [...path, fieldElement(key)]);
        return;
      case 'list': {
        if (!Array.isArray(v)) return void errors.push(`${pathString(path)}: expected list, got ${goValueDump(v)}`);
        const itemType = resolveType(types, type.items);
        v.forEach((item, index) => {
          let element = `i:${index}`;
          if (type.listType !== 'atomic') {
            try {
              element = itemElement(types, type, item);
            } catch (error) {
              errors.push(`${pathString(path)}: ${(error as Error).message}`);
              return;
            }
          }
          walk(itemType, item, [...path, element]);
        });
        return;
      }
      case 'scalar':
        if (type.type === 'string' && typeof v !== 'string') errors.push(`${pathString(path)}: expected string, got ${goValueDump(v)}`);
        return;
      default:
    }
  };
  walk(resolveType(types, ref), value, []);
  return errors;
}

/** How upstream's error prints a value of the wrong type: Go's %#v of its unstructured value. */
function goValueDump(value: JsonValue): string {
  const shown = typeof value === 'string' ? JSON.stringify(value) : isJsonObject(value) || Array.isArray(value) ? JSON.stringify(value) : String(value);
  return `&value.valueUnstructured{Value:${shown}}`;
}
