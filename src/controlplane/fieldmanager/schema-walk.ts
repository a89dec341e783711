/**
 * How the typed operations walk a value by its field type: a struct's or map's child types, which
 * values are granular (walked field by field, item by item) and a list item's path element.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../patch/json-value.js';
import { resolveType, UNTYPED, type FieldType, type FieldTypes } from './field-types.js';
import { keyElement, valueElement } from './path-element.js';

export type Value = JsonValue | undefined;

/** The type of a struct's or map's child `key`. */
export function childType(types: FieldTypes, type: FieldType, key: string): FieldType {
  if (type.kind === 'struct') {
    const field = type.fields[key];
    return field === undefined ? UNTYPED : resolveType(types, field);
  }
  if (type.kind === 'map') return resolveType(types, type.values);
  return UNTYPED;
}

export function isGranularMap(type: FieldType, value: Value): value is JsonObject {
  if (!isJsonObject(value)) return false;
  return (type.kind === 'struct' || type.kind === 'map' || type.kind === 'untyped') && !('atomic' in type && type.atomic);
}

export function isGranularList(type: FieldType, value: Value): value is JsonValue[] {
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

export function itemsByElement(types: FieldTypes, type: Extract<FieldType, { kind: 'list' }>, list: JsonValue[]): Map<string, JsonValue> {
  const out = new Map<string, JsonValue>();
  for (const item of list) out.set(itemElement(types, type, item), item);
  return out;
}

/** Whether a value has members of its own in a field set: a granular map or list that is not empty. */
export function isContainer(type: FieldType, value: Value): boolean {
  if (isGranularMap(type, value)) return Object.keys(value).length > 0;
  return isGranularList(type, value) && value.length > 0;
}
