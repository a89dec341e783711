/**
 * One step of a field path, as structured-merge-diff names it and as managedFields' FieldsV1
 * spells it: a field of a struct or map (`f:name`), an item of a list keyed by its list-map keys
 * (`k:{"name":"main"}`, keys sorted by name), an item of a set (`v:"value"`), or a list index
 * (`i:0`). Path elements are kept in that encoded form; this module orders them as upstream
 * orders them (fields, then keys, then values, then indexes) and prints paths as conflicts name
 * them (`.spec.template.spec.containers[name="main"].image`).
 */
import { isJsonObject, type JsonValue } from '../patch/json-value.js';
import { compareGoStrings } from '../patch/json-value.js';

/** `f:NAME` */
export function fieldElement(name: string): string {
  return `f:${name}`;
}

/** `k:{...}`: the item's key fields, sorted by name. */
export function keyElement(keys: ReadonlyArray<[string, JsonValue]>): string {
  const sorted = [...keys].sort(([a], [b]) => compareGoStrings(a, b));
  return `k:{${sorted.map(([name, value]) => `${JSON.stringify(name)}:${encodeValue(value)}`).join(',')}}`;
}

/** `v:VALUE` */
export function valueElement(value: JsonValue): string {
  return `v:${encodeValue(value)}`;
}

/** `i:N` */
export function indexElement(index: number): string {
  return `i:${index}`;
}

/** Whether `element` is a well-formed path element. */
export function isPathElement(element: string): boolean {
  const tag = element.slice(0, 2);
  const rest = element.slice(2);
  switch (tag) {
    case 'f:':
      return true;
    case 'i:':
      return /^(0|[1-9]\d*)$/.test(rest);
    case 'k:':
    case 'v:':
      try {
        const parsed: unknown = JSON.parse(rest);
        return tag === 'v:' || (isJsonObject(parsed) && Object.keys(parsed).length > 0);
      } catch {
        return false;
      }
    default:
      return false;
  }
}

const TAG_ORDER: Record<string, number> = { 'f:': 0, 'k:': 1, 'v:': 2, 'i:': 3 };

/** Upstream's PathElement order: field names, then keys, then values, then indexes, each in its own order. */
export function comparePathElements(a: string, b: string): number {
  // Two field names (the most of them): their common "f:" does not change their order.
  if (a.startsWith('f:') && b.startsWith('f:')) return compareGoStrings(a, b);
  const ta = TAG_ORDER[a.slice(0, 2)] ?? 4;
  const tb = TAG_ORDER[b.slice(0, 2)] ?? 4;
  if (ta !== tb) return ta - tb;
  const ra = a.slice(2);
  const rb = b.slice(2);
  switch (a.slice(0, 2)) {
    case 'f:':
      return compareGoStrings(ra, rb);
    case 'i:':
      return Number(ra) - Number(rb);
    case 'k:':
      return compareKeys(JSON.parse(ra) as Record<string, JsonValue>, JSON.parse(rb) as Record<string, JsonValue>);
    default:
      return compareValues(JSON.parse(ra) as JsonValue, JSON.parse(rb) as JsonValue);
  }
}

/** A path as upstream prints it in conflicts: `.data.a`, `.spec.containers[name="main"].image`, `[=value]`, `[0]`. */
export function pathString(path: readonly string[]): string {
  return path.map((element) => {
    const rest = element.slice(2);
    switch (element.slice(0, 2)) {
      case 'f:':
        return `.${rest}`;
      case 'k:': {
        const keys = JSON.parse(rest) as Record<string, JsonValue>;
        return `[${Object.entries(keys).map(([name, value]) => `${name}=${valueString(value)}`).join(',')}]`;
      }
      case 'v:':
        return `[=${valueString(JSON.parse(rest) as JsonValue)}]`;
      default:
        return `[${rest}]`;
    }
  }).join('');
}

/** A value as value.ToString prints it: strings quoted, lists and maps in brackets and braces. */
function valueString(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(valueString).join(',')}]`;
  if (isJsonObject(value)) return `{${Object.keys(value).sort(compareGoStrings).map((k) => `${k}=${valueString(value[k]!)}`).join(',')}}`;
  return String(value);
}

/** JSON as structured-merge-diff writes a value into a path element: maps with sorted keys. */
function encodeValue(value: JsonValue): string {
  if (isJsonObject(value)) {
    return `{${Object.keys(value).sort(compareGoStrings).map((k) => `${JSON.stringify(k)}:${encodeValue(value[k]!)}`).join(',')}}`;
  }
  if (Array.isArray(value)) return `[${value.map(encodeValue).join(',')}]`;
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

function compareKeys(a: Record<string, JsonValue>, b: Record<string, JsonValue>): number {
  const ea = Object.entries(a);
  const eb = Object.entries(b);
  for (let i = 0; ; i++) {
    if (i >= ea.length && i >= eb.length) return 0;
    if (i >= ea.length) return -1;
    if (i >= eb.length) return 1;
    const byName = compareGoStrings(ea[i]![0], eb[i]![0]);
    if (byName !== 0) return byName;
    const byValue = compareValues(ea[i]![1], eb[i]![1]);
    if (byValue !== 0) return byValue;
  }
}

/** value.Compare: numbers, then strings, then booleans, then lists, then maps, then null. */
function compareValues(a: JsonValue, b: JsonValue): number {
  const rank = (v: JsonValue): number => {
    if (typeof v === 'number' || typeof v === 'bigint') return 0;
    if (typeof v === 'string') return 1;
    if (typeof v === 'boolean') return 2;
    if (Array.isArray(v)) return 3;
    if (v === null) return 5;
    return 4;
  };
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return Number(a) - Number(b);
  if (ra === 1) return compareGoStrings(a as string, b as string);
  if (ra === 2) return Number(a) - Number(b);
  return compareGoStrings(encodeValue(a), encodeValue(b));
}
