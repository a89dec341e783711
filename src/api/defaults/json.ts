/**
 * Helpers over objects as stored: plain JSON, where an absent field, JSON null and (for Go's
 * non-pointer fields) the zero value all mean "unset".
 */

import { stringifyJson } from '../json/index.js';

export type JsonObject = Record<string, unknown>;

/** A JSON object: not null, not a list. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A deep copy of a JSON value. Written by hand because structuredClone, which it replaces, serializes
 * and deserializes the value: six times slower on a pod, and the API server copies every object it
 * defaults. Plain objects and lists are copied here; anything else that is an object (a class's
 * instance) goes to structuredClone, as before. A key `__proto__` (JSON.parse makes one) stays an
 * own key of the copy, never its prototype.
 */
export function cloneJson<T>(value: T): T {
  return copyJson(value) as T;
}

function copyJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const list: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) list[i] = copyJson(value[i]);
    return list;
  }
  if (!isPlain(value)) return structuredClone(value);
  const object: JsonObject = {};
  for (const key of Object.keys(value)) {
    const child = copyJson(value[key]);
    if (key === '__proto__') Object.defineProperty(object, key, { value: child, enumerable: true, writable: true, configurable: true });
    else object[key] = child;
  }
  return object;
}

/** The object at `key`, or undefined when absent or not an object. */
export function objectAt(parent: JsonObject, key: string): JsonObject | undefined {
  const value = parent[key];
  return isJsonObject(value) ? value : undefined;
}

/**
 * The object at `key`, created when absent or null. A value of another JSON type is left for
 * validation to reject: the caller then writes to a detached object.
 */
export function ensureObject(parent: JsonObject, key: string): JsonObject {
  const value = parent[key];
  if (isJsonObject(value)) return value;
  const created: JsonObject = {};
  if (value === undefined || value === null) parent[key] = created;
  return created;
}

/** The object items of the list at `key` (items of other types are skipped, not removed). */
export function objectsAt(parent: JsonObject, key: string): JsonObject[] {
  const value = parent[key];
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

/** The string at `key`, or undefined. */
export function stringAt(parent: JsonObject, key: string): string | undefined {
  const value = parent[key];
  return typeof value === 'string' ? value : undefined;
}

/** Unset as Go sees a pointer field: absent or null. */
export function isUnset(value: unknown): boolean {
  return value === undefined || value === null;
}

/** Unset as Go sees a string field: absent, null or "". */
export function isUnsetString(value: unknown): boolean {
  return isUnset(value) || value === '';
}

/** Unset as Go sees an integer field: absent, null or 0. */
export function isUnsetNumber(value: unknown): boolean {
  return isUnset(value) || value === 0;
}

/** Sets `key` when it is unset as a pointer field. */
export function defaultPointer(parent: JsonObject, key: string, value: unknown): void {
  if (isUnset(parent[key])) parent[key] = value;
}

/** Sets `key` when it is unset as a string field. */
export function defaultString(parent: JsonObject, key: string, value: string): void {
  if (isUnsetString(parent[key])) parent[key] = value;
}

/** Sets `key` when it is unset as an integer field. */
export function defaultNumber(parent: JsonObject, key: string, value: number): void {
  if (isUnsetNumber(parent[key])) parent[key] = value;
}

/** Copies `key` from `from` to `to`, removing it from `to` when `from` has none. */
export function copyField(from: JsonObject, to: JsonObject, key: string): void {
  if (from[key] === undefined) delete to[key];
  else to[key] = cloneJson(from[key]);
}

/**
 * Equality as apimachinery's semantic DeepEqual sees two decoded objects: an absent field, null,
 * an empty list and an empty map are the same, key order does not matter, list order does.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  // The walk below answers for plain JSON without building anything; what it cannot judge (a
  // BigInt, a class's instance, a number JSON cannot write) is compared through its encoding.
  return sameValue(a, b) ?? encodedEqual(a, b);
}

/** The definition: the two values' encodings once normalized. */
function encodedEqual(a: unknown, b: unknown): boolean {
  return stringifyJson(normalize(a)) === stringifyJson(normalize(b));
}

/** Whether two values (a list's items, or the whole) encode alike once normalized; undefined: cannot tell. */
function sameValue(a: unknown, b: unknown): boolean | undefined {
  if (isUnset(a) || isUnset(b)) {
    const other = isUnset(a) ? b : a;
    if (isUnset(other)) return true;
    return isJsonScalar(other) || Array.isArray(other) || isPlain(other) ? false : undefined;
  }
  if (typeof a === 'string' || typeof a === 'boolean') return a === b;
  if (typeof a === 'number') {
    if (!Number.isFinite(a)) return undefined;
    if (typeof b === 'number') return Number.isFinite(b) ? a === b : undefined;
    return typeof b === 'string' || typeof b === 'boolean' || Array.isArray(b) || isPlain(b) ? false : undefined;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return isPlain(b) || isJsonScalar(b) ? false : undefined;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const same = sameValue(a[i], b[i]);
      if (same !== true) return same;
    }
    return true;
  }
  if (!isPlain(a)) return undefined;
  if (!isPlain(b)) return Array.isArray(b) || isJsonScalar(b) ? false : undefined;
  for (const key of Object.keys(a)) {
    const left = a[key];
    const right = Object.prototype.hasOwnProperty.call(b, key) ? b[key] : undefined;
    const leftEmpty = emptyOnceNormalized(left);
    const rightEmpty = emptyOnceNormalized(right);
    if (leftEmpty === undefined || rightEmpty === undefined) return undefined;
    if (leftEmpty || rightEmpty) {
      if (leftEmpty !== rightEmpty) return false;
      continue;
    }
    const same = sameValue(left, right);
    if (same !== true) return same;
  }
  for (const key of Object.keys(b)) {
    if (Object.prototype.hasOwnProperty.call(a, key)) continue;
    const empty = emptyOnceNormalized(b[key]);
    if (empty !== true) return empty === undefined ? undefined : false;
  }
  return true;
}

/** Whether normalize drops the value as a field: unset, an empty list, an object of such fields; undefined: cannot tell. */
function emptyOnceNormalized(value: unknown): boolean | undefined {
  if (isUnset(value)) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isJsonScalar(value)) return false;
  if (!isPlain(value)) return undefined;
  for (const key of Object.keys(value)) {
    const empty = emptyOnceNormalized(value[key]);
    if (empty !== true) return empty;
  }
  return true;
}

/** A string, a boolean or a number JSON can write. */
function isJsonScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** An object of JSON's own: no list, no class's instance. */
function isPlain(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) {
    const child = normalize(value[key]);
    if (!isEmpty(child)) out[key] = child;
  }
  return out;
}

function isEmpty(value: unknown): boolean {
  if (isUnset(value)) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && Object.keys(value).length === 0;
}
