/**
 * How Go's fmt prints decoded JSON (map[string]interface{} and friends), so that patch error
 * messages read as kube-apiserver's do. Integers print as the int64s the API server decodes them
 * to; other numbers as float64.
 */

import { isJsonObject, type JsonValue } from './json-value.js';

/** fmt's %v. Map keys are sorted, as fmt sorts them. */
export function goValue(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goValue).join(' ')}]`;
  if (isJsonObject(value)) {
    const entries = Object.keys(value).sort().map((key) => `${key}:${goValue(value[key])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}

/** fmt's %s, which only strings, maps and slices satisfy; anything else prints as a bad verb. */
export function goString(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return '%!s(<nil>)';
  if (typeof value === 'number' || typeof value === 'boolean') return `%!s(${goTypeName(value)}=${String(value)})`;
  return goValue(value);
}

/** reflect.TypeOf(value).String(). */
export function goTypeName(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return '%!s(<nil>)';
  if (Array.isArray(value)) return '[]interface {}';
  if (typeof value === 'object') return 'map[string]interface {}';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  return typeof value === 'boolean' ? 'bool' : 'string';
}

/** reflect.TypeOf(value).Kind().String(). */
export function goKind(value: JsonValue): string {
  if (Array.isArray(value)) return 'slice';
  if (isJsonObject(value)) return 'map';
  return goTypeName(value);
}

/** fmt's %q for a string (strconv.Quote; JSON's escaping is the same for printable text). */
export function goQuote(text: string): string {
  return JSON.stringify(text);
}

/** The word encoding/json uses for a JSON value's type in its unmarshal errors. */
export function jsonWord(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}
