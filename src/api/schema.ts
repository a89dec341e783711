/**
 * Strict decoding of objects against the Kubernetes API types, as the API server does before any
 * validation runs: a field of the wrong JSON type, a malformed quantity or a field the type does
 * not have makes the request a 400 Bad Request; JSON null becomes the Go zero value.
 *
 * The type descriptions come from @kubernetes/client-node's generated models (their
 * attributeTypeMap), so hostpod does not carry its own copy of the OpenAPI schema.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { converterWords } from './converter-words.js';
import { decodeGoNumber, freeFormNumber, goNumberWord, isNumeric } from './go-numbers.js';
import { duplicateKeys, JsonNumber, MAX_OBJECT_DEPTH, MAX_STRICT_ERRORS, nestingDepth, numberText } from './json/index.js';
import { parseQuantity } from './quantity.js';

interface Attribute {
  baseName: string;
  type: string;
  format: string;
}

// Importing @kubernetes/client-node's index loads its whole client (some 70 MiB of heap), which
// a long-running control plane should not carry for a type table. Each generated model is a
// standalone file whose attribute map is a JSON literal, so one model is read, when first
// needed, from its own file.
const MODELS_DIR = join(dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node')), 'gen', 'models');

function readModel(model: string): Attribute[] | undefined {
  if (!/^[A-Za-z0-9]+$/.test(model)) return undefined;
  let source: string;
  try {
    source = readFileSync(join(MODELS_DIR, `${model}.js`), 'utf8');
  } catch {
    return undefined;
  }
  const match = new RegExp(`^${model}\\.attributeTypeMap = (\\[[\\s\\S]*?^\\]);`, 'm').exec(source);
  return match ? (JSON.parse(match[1]!) as Attribute[]) : undefined;
}

/** Why the API server could not decode a field. */
export interface DecodeError {
  /** The field's path, with list indexes: `spec.containers[0].image`. */
  field: string;
  kind: 'type' | 'quantity' | 'depth' | 'unknown' | 'duplicate';
  /** The decoder's own words for this field. */
  message: string;
  /** For a value of the wrong type, the unstructured converter's words (see converter-words.ts), where they are known. */
  converter?: string;
}

/** A decoded object: a copy with JSON nulls turned into Go's zero values, and the decoding errors. */
export interface Decoded {
  object: Record<string, unknown>;
  errors: DecodeError[];
}

// ResourceList values are Quantities, which decode from JSON numbers as well as strings; the
// generated models type them as plain string maps.
const QUANTITY_MAPS = new Set(['limits', 'requests', 'overhead', 'hard', 'capacity', 'allocatable']);

const attributeCache = new Map<string, Map<string, Attribute> | undefined>();

function attributesOf(model: string): Map<string, Attribute> | undefined {
  if (!attributeCache.has(model)) {
    const attributes = readModel(model);
    attributeCache.set(model, attributes ? new Map(attributes.map((a) => [a.baseName, a])) : undefined);
  }
  return attributeCache.get(model);
}

/**
 * The generated model of a built-in kind: `V1Pod` for v1 Pod, `V2HorizontalPodAutoscaler` for
 * autoscaling/v2; where two groups share a kind's name, the generator prefixes the group:
 * `CoreV1Event` for v1 Event, `EventsV1Event` for events.k8s.io/v1.
 */
function modelOf(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.indexOf('/');
  const version = apiVersion.slice(slash + 1);
  const group = slash < 0 ? 'core' : apiVersion.slice(0, slash).split('.')[0]!;
  const plain = `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
  const prefixed = `${group.charAt(0).toUpperCase()}${group.slice(1)}${plain}`;
  return [prefixed, plain].find((model) => attributesOf(model) !== undefined);
}

/** Decodes an object of a built-in kind; other objects are returned as they are. */
export function decodeObject(apiVersion: string, kind: string, object: Record<string, unknown>): Decoded {
  const model = modelOf(apiVersion, kind);
  const errors: DecodeError[] = [];
  if (model === undefined) return { object: freeForm(object, { field: '', json: '', strict: '', depth: 0 }, errors) as Record<string, unknown>, errors };
  return { object: decodeModel(model, object, { field: '', json: '', strict: '', depth: 0 }, errors), errors };
}

/**
 * Decodes an object of no built-in kind (a custom resource) as free-form JSON, whatever its
 * kind's name, but for its metadata, which is ObjectMeta as any object's.
 */
export function decodeUnstructured(object: Record<string, unknown>): Decoded {
  const errors: DecodeError[] = [];
  const root = { field: '', json: '', strict: '', depth: 0 };
  const decoded = freeForm(object, root, errors) as Record<string, unknown>;
  const metadata = decoded['metadata'];
  if (isJsonObject(metadata)) setOwn(decoded, 'metadata', decodeModel('V1ObjectMeta', metadata, child(root, 'metadata'), errors));
  return { object: decoded, errors };
}

/**
 * The message the API server sends back for a request that failed to decode, after
 * `<Kind> in version "v1" cannot be handled as a <Kind>: `. Like Go's decoder it names the first
 * type or quantity error; strict errors (unknown and duplicate fields) are reported, all
 * together and in the order met, only when there is none.
 */
export function decodeFailure(errors: readonly DecodeError[]): string {
  const first = errors.find((e) => !isStrictError(e));
  if (first) return first.message;
  return strictDecodingError(errors.map((e) => e.message));
}

/** Unknown and duplicate fields: errors only under fieldValidation=Strict, warnings under Warn. */
export function isStrictError(error: DecodeError): boolean {
  return error.kind === 'unknown' || error.kind === 'duplicate';
}

/** runtime.NewStrictDecodingError's text, for at most 100 distinct errors as sigs.k8s.io/json keeps. */
export function strictDecodingError(messages: readonly string[]): string {
  return `strict decoding error: ${[...new Set(messages)].slice(0, MAX_STRICT_ERRORS).join(', ')}`;
}

/**
 * Where the decoder is: the field path as users see it, as Go's type errors name it (no
 * indexes), and as its strict errors name it (map keys after a dot); `depth` counts the objects
 * and lists around the value.
 */
interface Position {
  field: string;
  json: string;
  strict: string;
  depth: number;
}

const child = (at: Position, key: string): Position => ({
  field: at.field === '' ? key : `${at.field}.${key}`,
  json: at.json === '' ? key : `${at.json}.${key}`,
  strict: at.strict === '' ? key : `${at.strict}.${key}`,
  depth: at.depth + 1,
});

const duplicate = (at: Position): DecodeError => ({ field: at.field, kind: 'duplicate', message: `duplicate field "${at.strict}"` });

function decodeModel(model: string, value: Record<string, unknown>, at: Position, errors: DecodeError[]): Record<string, unknown> {
  const attributes = attributesOf(model);
  if (!attributes) return value;
  const out: Record<string, unknown> = {};
  const repeated = duplicateKeys(value);
  for (const [key, item] of Object.entries(value)) {
    const here = child(at, key);
    const attribute = attributes.get(key);
    // An unknown field is skipped whole, its duplicates and contents unread, as Go skips it.
    if (!attribute) {
      errors.push({ field: here.field, kind: 'unknown', message: `unknown field "${here.strict}"` });
      continue;
    }
    // A null field is unset: Go leaves the pointer nil or the value zero.
    if (item !== null && item !== undefined) setOwn(out, key, decodeType(attribute, attribute.type, item, here, goStructName(model), errors));
    if (repeated.includes(key)) errors.push(duplicate(here));
  }
  return out;
}

function decodeType(attribute: Attribute, type: string, value: unknown, at: Position, struct: string, errors: DecodeError[]): unknown {
  if (type === 'any') return decodeAny(value, at, errors);
  if (value === null || value === undefined) return zeroValue(type);
  // Go names a number it cannot store in a numeric field by its literal, elsewhere just "number".
  const wrong = (word = goValueKind(value), goType = goTypeName(type, attribute.format)): unknown => {
    const converter = converterWords(value, type, attribute.format);
    errors.push({
      field: at.field, kind: 'type', message: `json: cannot unmarshal ${word} into Go struct field ${struct}.${at.json} of type ${goType}`,
      ...(converter === undefined ? {} : { converter }),
    });
    return zeroValue(type);
  };
  if (type === 'string' || type === 'Date' || type === 'V1MicroTime') return typeof value === 'string' ? value : wrong();
  if (type === 'number') {
    if (!isNumeric(value)) return wrong();
    return decodeGoNumber(value, attribute.format) ?? wrong(goNumberWord(value));
  }
  if (type === 'boolean') return typeof value === 'boolean' ? value : wrong();
  if (type === 'IntOrString') {
    // intstr.IntOrString decodes anything but a string as an int32.
    if (typeof value === 'string') return value;
    if (!isNumeric(value)) return wrong(goValueKind(value), 'int32');
    return decodeGoNumber(value, 'int32') ?? wrong(goNumberWord(value), 'int32');
  }
  if (type.startsWith('Array<')) {
    if (!Array.isArray(value)) return wrong();
    const inner = type.slice('Array<'.length, -1);
    return value.map((item, i) => decodeType(attribute, inner, item, { field: `${at.field}[${i}]`, json: at.json, strict: `${at.strict}[${i}]`, depth: at.depth + 1 }, struct, errors));
  }
  if (type.startsWith('{ [key: string]: ')) {
    if (!isJsonObject(value)) return wrong();
    const inner = type.slice('{ [key: string]: '.length, -'; }'.length);
    const quantities = inner === 'string' && QUANTITY_MAPS.has(attribute.baseName);
    const out: Record<string, unknown> = {};
    const repeated = duplicateKeys(value);
    for (const [k, v] of Object.entries(value)) {
      const here = { field: `${at.field}[${k}]`, json: at.json, strict: `${at.strict}.${k}`, depth: at.depth + 1 };
      if (quantities && (isNumeric(v) || typeof v === 'string')) {
        // A quantity keeps a plain number as given; any other number as its text (a quantity
        // string, exact, where JavaScript's number would round it).
        const kept = typeof v === 'number' || typeof v === 'string' ? v : numberText(v);
        const quantity = parseQuantity(kept);
        if ('error' in quantity) errors.push({ field: here.field, kind: 'quantity', message: quantity.error });
        setOwn(out, k, kept);
      } else if (quantities && (typeof v === 'boolean' || typeof v === 'object') && v !== null) {
        // Quantity's UnmarshalJSON parses any JSON that is not a string or null as quantity text:
        // `true` or `{}` is a malformed quantity, not a value of the wrong type.
        errors.push({ field: here.field, kind: 'quantity', message: (parseQuantity(JSON.stringify(v)) as { error: string }).error });
        setOwn(out, k, v);
      } else {
        setOwn(out, k, decodeType(attribute, inner, v, here, struct, errors));
      }
      if (repeated.includes(k)) errors.push(duplicate(here));
    }
    return out;
  }
  if (attributesOf(type)) {
    if (!isJsonObject(value)) return wrong();
    return decodeModel(type, value, at, errors);
  }
  // A type the models do not describe: kept as a free-form value, within the same limits.
  return decodeAny(value, at, errors);
}

/**
 * A free-form value (managedFields[].fieldsV1): kept as it is, within hostpod's nesting limit
 * for stored objects, which its clone and validation code needs (src/api/json/depth.ts).
 */
function decodeAny(value: unknown, at: Position, errors: DecodeError[]): unknown {
  const room = MAX_OBJECT_DEPTH - at.depth;
  if (nestingDepth(value, room) > room) {
    errors.push({ field: at.field, kind: 'depth', message: `${at.field}: nested more than ${MAX_OBJECT_DEPTH} levels deep (hostpod's limit for stored objects)` });
    return undefined;
  }
  return freeForm(value, at, errors);
}

/**
 * A free-form value with its numbers as Go's interface{} holds them (see freeFormNumber); a copy
 * only where a number changes. Iterative: the value may nest up to the limit.
 */
function freeForm(root: unknown, at: Position, errors: DecodeError[]): unknown {
  const convert = (value: unknown): unknown => {
    if (!isNumeric(value) || typeof value === 'number') return value;
    const converted = freeFormNumber(value);
    if (converted === undefined) errors.push({ field: at.field, kind: 'type', message: `json: cannot unmarshal ${goNumberWord(value)} into Go value of type float64` });
    return converted ?? 0;
  };
  const top = convert(root);
  const stack: unknown[] = [top];
  while (stack.length > 0) {
    const container = stack.pop();
    if (Array.isArray(container)) {
      container.forEach((item: unknown, i) => {
        // Written only where it changes: an unchanged part may be shared, and frozen (the store's objects).
        const converted = convert(item);
        if (converted !== item) container[i] = converted;
        stack.push(converted);
      });
    } else if (isJsonObject(container)) {
      for (const [key, item] of Object.entries(container)) {
        const converted = convert(item);
        if (converted !== item) setOwn(container, key, converted);
        stack.push(converted);
      }
    }
  }
  return top;
}

// An own property even for a key like "__proto__", which plain assignment would turn into the
// object's prototype (and so drop, or worse).
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

// Go's zero values: what a null (or a value that failed to decode) leaves behind.
function zeroValue(type: string): unknown {
  if (type === 'string' || type === 'Date' || type === 'V1MicroTime') return '';
  if (type === 'number') return 0;
  if (type === 'boolean') return false;
  if (type.startsWith('Array<')) return [];
  if (type === 'IntOrString' || type === 'any') return undefined;
  return {};
}

/** The version part of a model's name (`V1`, `CoreV1`, `V1beta1`), before the Go struct name. */
const MODEL_VERSION = /^(?:[A-Z][a-z]+)?V(\d+(?:(?:alpha|beta)\d+)?)(?=[A-Z])/;

/** `PodSpec` for the model V1PodSpec, `Event` for CoreV1Event: the Go struct name in decoder messages. */
function goStructName(model: string): string {
  return model.replace(MODEL_VERSION, '');
}

/** A JSON object (a number kept with its text is a number, not an object). */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

/** How Go's encoding/json names a JSON value it cannot store in a field that is not a number. */
function goValueKind(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (isNumeric(value)) return 'number';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

/** The Go type of a field, as Go's decoder prints it: bool, int32, []v1.Container, map[string]string. */
function goTypeName(type: string, format: string): string {
  if (type === 'string') return 'string';
  if (type === 'boolean') return 'bool';
  if (type === 'number') return format === 'int32' || format === 'int64' ? format : 'float64';
  if (type === 'Date') return 'v1.Time';
  if (type === 'V1MicroTime') return 'v1.MicroTime';
  if (type === 'IntOrString') return 'int32';
  if (type.startsWith('Array<')) return `[]${goTypeName(type.slice('Array<'.length, -1), format)}`;
  if (type.startsWith('{ [key: string]: ')) return `map[string]${goTypeName(type.slice('{ [key: string]: '.length, -'; }'.length), format)}`;
  const version = MODEL_VERSION.exec(type)?.[1];
  return version ? `v${version}.${goStructName(type)}` : type;
}
