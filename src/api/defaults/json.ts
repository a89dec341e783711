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

/** A deep copy of a JSON value. */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
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
  return stringifyJson(normalize(a)) === stringifyJson(normalize(b));
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
