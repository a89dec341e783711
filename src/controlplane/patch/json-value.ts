/**
 * JSON values as the patch code handles them: plain data, copied on the way in so the caller's
 * objects are never touched, with own-property access so keys such as "__proto__" stay data.
 * Numbers are JavaScript numbers, BigInts (int64 values beyond 2^53) or JsonNumbers (float
 * syntax kept for the typed decoding after the patch); the last two are scalars here.
 */
import { copyDuplicates, forgetDuplicates, JsonNumber } from '../../api/json/index.js';

export type JsonValue = null | boolean | number | bigint | JsonNumber | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** True for a JSON object: not null, not an array, not a number kept with its text. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

/** The key's own value, or undefined when the object has no such key. */
export function getOwn(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Sets a key; "__proto__" is defined as a plain property rather than changing the prototype. */
export function setOwn(object: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    object[key] = value;
  }
}

/**
 * A deep copy with JSON.stringify's semantics: toJSON() is honoured (client-node models carry
 * Date objects), undefined and functions are dropped from objects and become null in arrays,
 * non-finite numbers become null. With `keepDuplicates`, each object copy keeps the duplicate
 * keys the parser recorded of its original (what a JSON patch's raw values carry).
 */
export function toJson(value: unknown, keepDuplicates = false): JsonValue {
  if (value instanceof JsonNumber) return value;
  const plain = hasToJson(value) ? value.toJSON() : value;
  switch (typeof plain) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return plain;
    case 'number':
      return Number.isFinite(plain) ? plain : null;
    case 'object': {
      if (plain === null) return null;
      if (Array.isArray(plain)) return plain.map((item: unknown) => (isOmitted(item) ? null : toJson(item, keepDuplicates)));
      const copy: JsonObject = {};
      for (const [key, item] of Object.entries(plain)) {
        if (!isOmitted(item)) setOwn(copy, key, toJson(item, keepDuplicates));
      }
      if (keepDuplicates) copyDuplicates(plain, copy);
      return copy;
    }
    default:
      return null;
  }
}

/**
 * Makes `object` what Go's encoding/json makes of a JSON object it decodes into a map and encodes
 * again, as kube-apiserver's patch libraries do with each object they open: its keys in sorted
 * order, one value each. (JavaScript enumerates integer-like keys first whatever the order, so
 * those keep JavaScript's place.)
 */
export function asGoMap(object: JsonObject): JsonObject {
  const entries = Object.entries(object).sort(([a], [b]) => compareGoStrings(a, b));
  for (const [key] of entries) delete object[key];
  for (const [key, value] of entries) setOwn(object, key, value);
  forgetDuplicates(object);
  return object;
}

/** Go's string order: byte by byte in UTF-8, which is code point order. */
export function compareGoStrings(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 units sort as code points do, except that a surrogate (half of a code point past
    // U+FFFF) is below U+E000-U+FFFF as a unit and above them as a code point.
    const xs = isSurrogate(x);
    if (xs !== isSurrogate(y)) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

function isSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdfff;
}

function hasToJson(value: unknown): value is { toJSON(): unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** Structural equality of two JSON values (object key order does not matter; numbers by value, as Go compares decoded float64s). */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (isNumeric(a) || isNumeric(b)) return isNumeric(a) && isNumeric(b) && Number(a) === Number(b);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i] ?? null));
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => {
    const other = getOwn(b, key);
    return other !== undefined && jsonEqual(a[key] ?? null, other);
  });
}

function isNumeric(value: JsonValue): value is number | bigint | JsonNumber {
  return typeof value === 'number' || typeof value === 'bigint' || value instanceof JsonNumber;
}
