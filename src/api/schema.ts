/**
 * Structural checking of objects against the Kubernetes API types, as the API server's strict
 * decoder does before any validation runs: a field of the wrong JSON type, or a field the type does
 * not have, is an error.
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

/** Whether hostpod has a structural description of this kind. */
export function hasSchema(kind: string): boolean {
  return MODEL_BY_KIND[kind] !== undefined;
}

/**
 * Checks an object of a known kind structurally.
 * @returns the errors: wrong JSON types (FieldValueTypeInvalid) and unknown fields (strict
 *   decoding errors, also FieldValueTypeInvalid with the path as kubectl prints it).
 */
export function checkSchema(kind: string, object: Record<string, unknown>): FieldError[] {
  const model = MODEL_BY_KIND[kind];
  if (model === undefined) return [];
  const errors: FieldError[] = [];
  checkModel(model, object, undefined, errors);
  return errors;
}

function checkModel(model: string, value: Record<string, unknown>, path: FieldPath | undefined, errors: FieldError[]): void {
  const attributes = attributesOf(model);
  if (!attributes) return;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? path.child(key) : FieldPath.root(key);
    const attribute = attributes.get(key);
    if (!attribute) {
      errors.push(typeInvalid(childPath, child, `unknown field "${childPath.toString()}"`));
      continue;
    }
    if (child === null) continue; // JSON null decodes to the zero value everywhere.
    checkType(attribute.type, child, childPath, key, errors);
  }
}

function checkType(type: string, value: unknown, path: FieldPath, key: string, errors: FieldError[]): void {
  if (value === null || type === 'any') return;
  const wrong = (expected: string): void => {
    errors.push(typeInvalid(path, value, `must be ${expected}, not ${describe(value)}`));
  };
  if (type === 'string' || type === 'Date') {
    if (typeof value !== 'string') wrong('a string');
  } else if (type === 'number') {
    if (typeof value !== 'number') wrong('a number');
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') wrong('a boolean (true or false)');
  } else if (type === 'IntOrString') {
    if (typeof value !== 'number' && typeof value !== 'string') wrong('a number or a string');
  } else if (type.startsWith('Array<')) {
    if (!Array.isArray(value)) return wrong('a list');
    const inner = type.slice('Array<'.length, -1);
    value.forEach((item, i) => checkType(inner, item, path.index(i), key, errors));
  } else if (type.startsWith('{ [key: string]: ')) {
    if (typeof value !== 'object' || Array.isArray(value)) return wrong('an object');
    const inner = type.slice('{ [key: string]: '.length, -'; }'.length);
    const quantities = inner === 'string' && QUANTITY_MAPS.has(key);
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (quantities && (typeof v === 'number' || typeof v === 'string')) {
        if (parseQuantity(v) === undefined) errors.push(invalid(path.key(k), v, QUANTITY_FORMAT_MESSAGE));
        continue;
      }
      checkType(inner, v, path.key(k), k, errors);
    }
  } else if (attributesOf(type)) {
    if (typeof value !== 'object' || Array.isArray(value)) return wrong('an object');
    checkModel(type, value as Record<string, unknown>, path, errors);
  }
}
