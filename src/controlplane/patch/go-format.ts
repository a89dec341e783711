/**
 * How Go's fmt prints decoded JSON (map[string]interface{} and friends), so that patch error
 * messages read as kube-apiserver's do. Integers print as the int64s the API server decodes them
 * to; other numbers as float64.
 */

import { JsonNumber } from '../../api/json/index.js';
import { isJsonObject, type JsonValue } from './json-value.js';

/** The int64 range: integers outside it decode as float64 (sigs.k8s.io/json's PreserveInts). */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** fmt's %v. Map keys are sorted, as fmt sorts them. */
export function goValue(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goValue).join(' ')}]`;
  if (isJsonObject(value)) {
    const entries = Object.keys(value).sort().map((key) => `${key}:${goValue(value[key])}`);
    return `map[${entries.join(' ')}]`;
  }
  if (value instanceof JsonNumber || (typeof value === 'bigint' && (value < INT64_MIN || value > INT64_MAX))) return goFloat(Number(value));
  return String(value);
}

/** fmt's %v of a float64: exponent form from 1e21, as strconv's 'g' with the shortest digits. */
function goFloat(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) return value.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(value);
}

/** fmt's %s, which only strings, maps and slices satisfy; anything else prints as a bad verb. */
export function goString(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return '%!s(<nil>)';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' || value instanceof JsonNumber) return `%!s(${goTypeName(value)}=${goValue(value)})`;
  return goValue(value);
}

/** reflect.TypeOf(value).String(). */
export function goTypeName(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return '%!s(<nil>)';
  if (Array.isArray(value)) return '[]interface {}';
  if (value instanceof JsonNumber) return 'float64';
  if (typeof value === 'bigint') return value < INT64_MIN || value > INT64_MAX ? 'float64' : 'int64';
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
  if (typeof value === 'bigint' || value instanceof JsonNumber) return 'number';
  if (typeof value === 'object') return 'object';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}
