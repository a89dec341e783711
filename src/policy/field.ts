/**
 * Field paths and field errors, as kube-apiserver reports them (apimachinery's field package):
 * the same types, the same path syntax and the same rendering, so users see the messages that a
 * real cluster would give them.
 */

/** A path to a field: `spec.containers[0].securityContext`. Immutable. */
export class FieldPath {
  private constructor(private readonly text: string) {}

  static root(name: string): FieldPath {
    return new FieldPath(name);
  }

  /** The path of nested field names: `of(['spec', 'template'])` is `spec.template`. */
  static of(names: readonly string[]): FieldPath {
    return new FieldPath(names.join('.'));
  }

  child(name: string, ...more: string[]): FieldPath {
    const joined = [name, ...more].join('.');
    return new FieldPath(this.text === '' ? joined : `${this.text}.${joined}`);
  }

  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }

  toString(): string {
    return this.text;
  }
}

/** The error types of apimachinery's field package, named as they appear in a Status' causes. */
export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueDuplicate'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid';

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTypeInvalid: 'Invalid value',
};

/** No value to show (apimachinery's `field.OmitValueType`). */
export const OMIT = Symbol('omit');

/** One validation error on one field. */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** The offending value, or OMIT when the message does not show it. */
  value: unknown;
  detail: string;
}

function make(type: FieldErrorType, path: FieldPath, value: unknown, detail: string): FieldError {
  return { type, field: path.toString(), value, detail };
}

export const required = (path: FieldPath, detail = ''): FieldError => make('FieldValueRequired', path, OMIT, detail);
export const notFound = (path: FieldPath, value: unknown): FieldError => make('FieldValueNotFound', path, value, '');
export const invalid = (path: FieldPath, value: unknown, detail: string): FieldError => make('FieldValueInvalid', path, value, detail);
export const duplicate = (path: FieldPath, value: unknown): FieldError => make('FieldValueDuplicate', path, value, '');
export const forbidden = (path: FieldPath, detail: string): FieldError => make('FieldValueForbidden', path, OMIT, detail);
/** apimachinery's TooLong: the value is left out, the limit is in bytes. */
export const tooLong = (path: FieldPath, maxBytes: number): FieldError =>
  make('FieldValueTooLong', path, OMIT, `may not be more than ${maxBytes} ${maxBytes === 1 ? 'byte' : 'bytes'}`);
export function notSupported(path: FieldPath, value: unknown, supported: readonly string[]): FieldError {
  const detail = supported.length > 0 ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : '';
  return make('FieldValueNotSupported', path, value, detail);
}

/** The user-facing text of a field error: `spec.hostNetwork: Invalid value: false: hostNetwork must be ...`. */
export function formatFieldError(error: FieldError): string {
  let text = `${error.field}: ${TYPE_TEXT[error.type]}`;
  if (error.value !== OMIT && error.type !== 'FieldValueRequired' && error.type !== 'FieldValueForbidden' && error.type !== 'FieldValueTooLong') {
    text += `: ${formatValue(error.value)}`;
  }
  if (error.detail !== '') text += `: ${error.detail}`;
  return text;
}

/**
 * A bad value the API server holds as a pointer or a struct rather than a string or a number:
 * apimachinery renders those with encoding/json, not `%q` (`"\u003cuser\u003e"`, a raw DEL),
 * and a struct of the internal types with its Go field names, every field, nulls included. Its
 * objects are structs, written in the order their keys were set; a map inside one must be built
 * with its keys sorted, as encoding/json writes maps.
 */
export class GoJsonValue {
  constructor(readonly value: unknown) {}
}

/** A value the API server passes as a pointer (`windowsOptions.RunAsUserName`): rendered as JSON. */
export const pointerValue = (value: unknown): GoJsonValue => new GoJsonValue(value);

/** Renders a bad value as apimachinery does: strings with Go's %q, numbers and booleans bare, others as JSON. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof GoJsonValue) return goJson(value.value, true);
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return goJson(value);
}

const JSON_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f',
  '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029',
};

/**
 * Go's encoding/json: HTML-safe (`<`, `>` and `&` escaped), other control characters as
 * `\u00XX`, DEL as it is; plain objects as maps, with sorted keys, and objects inside a
 * GoJsonValue as structs, in their key order.
 */
export function goJson(value: unknown, struct = false): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') {
    let out = '"';
    for (const ch of value) {
      const code = ch.codePointAt(0) ?? 0;
      const escaped = JSON_ESCAPES[ch];
      if (escaped) out += escaped;
      else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
      else if (code >= 0xd800 && code <= 0xdfff) out += '\\ufffd';
      else out += ch;
    }
    return `${out}"`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof GoJsonValue) return goJson(value.value, true);
  if (Array.isArray(value)) return `[${value.map((v) => goJson(v, struct)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    if (!struct) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${goJson(k)}:${goJson(v, struct)}`).join(',')}}`;
  }
  return 'null';
}

const GO_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"',
};

/** Go's `%q` for the ASCII range: like JSON quoting, except for how control characters are escaped. */
export function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    const escaped = GO_ESCAPES[ch];
    if (escaped) out += escaped;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
