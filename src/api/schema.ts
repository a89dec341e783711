/**
 * Strict decoding of objects against the Kubernetes API types, as the API server does before any
 * validation runs: a field of the wrong JSON type, or a field the type does not have, is an error;
 * JSON null becomes the Go zero value.
 *
 * The type descriptions come from @kubernetes/client-node's generated models (their
 * attributeTypeMap), so hostpod does not carry its own copy of the OpenAPI schema.
 */
import * as models from '@kubernetes/client-node';
import { describe } from './describe.js';
import { FieldPath, invalid, typeInvalid, type FieldError } from '../policy/field.js';
import { parseQuantity, QUANTITY_FORMAT_MESSAGE } from './quantity.js';

interface Attribute {
  baseName: string;
  type: string;
}

interface Model {
  attributeTypeMap?: Attribute[];
}

const MODEL_BY_KIND: Readonly<Record<string, string>> = {
  Pod: 'V1Pod', PodTemplate: 'V1PodTemplate', ReplicationController: 'V1ReplicationController',
  DaemonSet: 'V1DaemonSet', Deployment: 'V1Deployment', ReplicaSet: 'V1ReplicaSet', StatefulSet: 'V1StatefulSet',
  Job: 'V1Job', CronJob: 'V1CronJob', Namespace: 'V1Namespace',
};

// ResourceList values are Quantities, which decode from JSON numbers as well as strings; the
// generated models type them as plain string maps.
const QUANTITY_MAPS = new Set(['limits', 'requests', 'overhead', 'hard', 'capacity', 'allocatable']);

const attributeCache = new Map<string, Map<string, Attribute> | undefined>();

function attributesOf(model: string): Map<string, Attribute> | undefined {
  if (!attributeCache.has(model)) {
    const type = (models as unknown as Record<string, Model | undefined>)[model];
    const attributes = type?.attributeTypeMap;
    attributeCache.set(model, attributes ? new Map(attributes.map((a) => [a.baseName, a])) : undefined);
  }
  return attributeCache.get(model);
}

/** A decoded object: a copy with JSON nulls turned into Go's zero values, and the decoding errors. */
export interface Decoded {
  object: Record<string, unknown>;
  /** Wrong JSON types, malformed quantities and unknown fields (kubectl's --validate=strict). */
  errors: FieldError[];
}

/** Decodes an object of a known kind; other kinds are returned as they are. */
export function decodeObject(kind: string, object: Record<string, unknown>): Decoded {
  const model = MODEL_BY_KIND[kind];
  if (model === undefined) return { object, errors: [] };
  const errors: FieldError[] = [];
  return { object: decodeModel(model, object, undefined, errors), errors };
}

function decodeModel(model: string, value: Record<string, unknown>, path: FieldPath | undefined, errors: FieldError[]): Record<string, unknown> {
  const attributes = attributesOf(model);
  if (!attributes) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? path.child(key) : FieldPath.root(key);
    const attribute = attributes.get(key);
    if (!attribute) {
      errors.push(typeInvalid(childPath, child, `unknown field "${childPath.toString()}"`));
      continue;
    }
    // A null field is unset: Go leaves the pointer nil or the value zero.
    if (child === null || child === undefined) continue;
    out[key] = decodeType(attribute.type, child, childPath, key, errors);
  }
  return out;
}

function decodeType(type: string, value: unknown, path: FieldPath, key: string, errors: FieldError[]): unknown {
  if (type === 'any') return value;
  if (value === null || value === undefined) return zeroValue(type);
  const wrong = (expected: string): unknown => {
    errors.push(typeInvalid(path, value, `must be ${expected}, not ${describe(value)}`));
    return zeroValue(type);
  };
  if (type === 'string' || type === 'Date') return typeof value === 'string' ? value : wrong('a string');
  if (type === 'number') return typeof value === 'number' ? value : wrong('a number');
  if (type === 'boolean') return typeof value === 'boolean' ? value : wrong('a boolean (true or false)');
  if (type === 'IntOrString') return typeof value === 'number' || typeof value === 'string' ? value : wrong('a number or a string');
  if (type.startsWith('Array<')) {
    if (!Array.isArray(value)) return wrong('a list');
    const inner = type.slice('Array<'.length, -1);
    return value.map((item, i) => decodeType(inner, item, path.index(i), key, errors));
  }
  if (type.startsWith('{ [key: string]: ')) {
    if (typeof value !== 'object' || Array.isArray(value)) return wrong('an object');
    const inner = type.slice('{ [key: string]: '.length, -'; }'.length);
    const quantities = inner === 'string' && QUANTITY_MAPS.has(key);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (quantities && (typeof v === 'number' || typeof v === 'string')) {
        if (parseQuantity(v) === undefined) errors.push(invalid(path.key(k), v, QUANTITY_FORMAT_MESSAGE));
        out[k] = v;
      } else {
        out[k] = decodeType(inner, v, path.key(k), k, errors);
      }
    }
    return out;
  }
  if (attributesOf(type)) {
    if (typeof value !== 'object' || Array.isArray(value)) return wrong('an object');
    return decodeModel(type, value as Record<string, unknown>, path, errors);
  }
  return value;
}

// Go's zero values: what a null (or a value that failed to decode) leaves behind.
function zeroValue(type: string): unknown {
  if (type === 'string' || type === 'Date') return '';
  if (type === 'number') return 0;
  if (type === 'boolean') return false;
  if (type.startsWith('Array<')) return [];
  if (type === 'IntOrString' || type === 'any') return undefined;
  return {};
}
