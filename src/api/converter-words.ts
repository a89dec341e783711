/**
 * How kube-apiserver's unstructured converter (runtime.DefaultUnstructuredConverter, which decodes
 * the map a strategic merge patch makes) words a value it cannot store in a field, where Go's
 * JSON decoder says "json: cannot unmarshal ...". The converter compares Go kinds: a JSON integer
 * is an int64 to it, any other number a float64.
 */
import { goNumberWord, isNumeric } from './go-numbers.js';
import { JsonNumber } from './json/index.js';

/**
 * The converter's words for `value` in a field of the generated models' `type` and `format`, or
 * undefined where a Go type's own unmarshaling decides them (times, quantities). A string field
 * of a named Go type (v1.RestartPolicy) is named `string` here, where the converter says
 * "cannot convert int64 to v1.RestartPolicy": the models do not keep Go's type names.
 */
export function converterWords(value: unknown, type: string, format: string): string | undefined {
  const source = reflectKind(value);
  if (type === 'string') return source === 'int64' ? 'cannot convert int64 to string' : 'unrecognized type: string';
  if (type === 'boolean') return 'unrecognized type: bool';
  if (type === 'number') {
    const target = format === 'int32' || format === 'int64' ? format : format === 'float' ? 'float32' : 'float64';
    if (!isNumeric(value)) return `unrecognized type: ${target}`;
    // The converter takes an integral float64 and wraps an int64 beyond an int32's range, which
    // the JSON decoder refuses: there are no converter's words for those.
    return source === 'float64' && !Number.isInteger(Number(value)) ? `cannot convert float64 to ${target}` : undefined;
  }
  if (type === 'IntOrString') return `json: cannot unmarshal ${isNumeric(value) ? goNumberWord(value) : jsonWord(source)} into Go value of type int32`;
  if (type.startsWith('Array<')) return `cannot restore slice from ${source}`;
  if (type.startsWith('{ [key: string]: ')) return `cannot restore map from ${source}`;
  if (type === 'Date' || type === 'V1MicroTime') return undefined;
  return `cannot restore struct from: ${source}`;
}

/** The Go kind the unstructured map holds `value` as. */
function reflectKind(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'slice';
  if (isNumeric(value)) return isInt64(value) ? 'int64' : 'float64';
  return 'map';
}

/** Whether sigs.k8s.io/json reads the number as an int64: integer syntax, in range. */
function isInt64(value: number | bigint | JsonNumber): boolean {
  if (value instanceof JsonNumber) return false;
  if (typeof value === 'bigint') return value >= -(2n ** 63n) && value < 2n ** 63n;
  return Number.isInteger(value);
}

/** encoding/json's word for the JSON that a Go kind is written as. */
function jsonWord(kind: string): string {
  if (kind === 'int64' || kind === 'float64') return 'number';
  if (kind === 'slice') return 'array';
  if (kind === 'map') return 'object';
  return kind;
}
