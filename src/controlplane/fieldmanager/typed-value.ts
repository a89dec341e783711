/**
 * The fields an object sets and what changed between two objects, by their field types
 * (structured-merge-diff's ToFieldSet and Compare).
 */
import { jsonEqual } from '../patch/json-value.js';
import { FieldSet, type FieldPath } from './field-set.js';
import { resolveType, type FieldType, type FieldTypes, type TypeRef } from './field-types.js';
import { fieldElement } from './path-element.js';
import { childType, isContainer, isGranularList, isGranularMap, itemElement, itemsByElement, type Value } from './schema-walk.js';

export { itemElement } from './schema-walk.js';

/** What changed from one object to another: fields added, modified (a different value) and removed. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
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

/**
 * What changed from `live` to `next` (Compare). A container that `live` lacks (absent, not null)
 * and `next` has is added itself, with its fields; a value of an atomic type is compared whole.
 * The fields of an object at one of the paths of `skip` (the ones a write ignores: a pod's spec in
 * a status write) are not compared, and nothing at or under them is in the result.
 */
export function compareObjects(types: FieldTypes, ref: TypeRef, live: Value, next: Value, skip: readonly FieldPath[] = []): Comparison {
  const out: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  walkCompare(types, resolveType(types, ref), live, next, [], out, skip);
  return out;
}

/** Whether `path` is one of `skip`'s. */
function skipped(path: readonly string[], skip: readonly FieldPath[]): boolean {
  return skip.some((p) => p.length === path.length && p.every((element, i) => element === path[i]));
}

function walkCompare(types: FieldTypes, type: FieldType, live: Value, next: Value, path: string[], out: Comparison, skip: readonly FieldPath[] = []): void {
  if (isGranularMap(type, next) && (live === null || isGranularMap(type, live))) {
    const before = live === null ? {} : live;
    for (const [key, child] of Object.entries(next)) {
      const childPath = [...path, fieldElement(key)];
      if (skip.length > 0 && skipped(childPath, skip)) continue;
      const ct = childType(types, type, key);
      const old = Object.hasOwn(before, key) ? before[key] : undefined;
      if (child === null && (old === undefined || old === null)) continue;
      compareChild(types, ct, old, child === null ? undefined : child, childPath, out, skip);
    }
    for (const [key, old] of Object.entries(before)) {
      if (Object.hasOwn(next, key) && next[key] !== null) continue;
      if (old === null) continue;
      const childPath = [...path, fieldElement(key)];
      if (skip.length > 0 && skipped(childPath, skip)) continue;
      added(types, childType(types, type, key), old, childPath, out.removed);
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

function compareChild(types: FieldTypes, type: FieldType, old: Value, child: Value, path: string[], out: Comparison, skip: readonly FieldPath[]): void {
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
    walkCompare(types, type, old, child, path, out, skip);
    return;
  }
  if (!jsonEqual(old, child)) out.modified.insert(path);
}

/** A value that appears (or disappears) at `path`: the path itself, and every field under it. */
function added(types: FieldTypes, type: FieldType, value: Value, path: string[], into: FieldSet): void {
  into.insert(path);
  if (isContainer(type, value)) walkSet(types, type, value, path, into);
}
