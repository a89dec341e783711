/**
 * Validation of a custom resource against its version's structural schema, with kube-apiserver's
 * words (its OpenAPI validator's: `spec.replicas in body should be less than or equal to 10`,
 * `Unsupported value`, `Required value`, `Too many`). kube-apiserver walks Go maps, so its order
 * of several errors varies from one request to the next; hostpod's is fixed: an object's bounds,
 * then its fields by name, then its required fields; a list's items, then its bounds.
 */
import { duplicate, FieldPath, invalid, notSupported, required, tooLong, type FieldError } from '../../policy/field.js';
import { goJson } from '../../policy/field.js';
import { semanticEqual } from '../../api/defaults/json.js';
import { matchesFormat } from './formats.js';
import { fieldSchema, isPlainObject, jsonType, type StructuralSchema } from './structural-schema.js';

/** The field errors of `object` (a whole custom resource) against its schema. */
export function validateAgainstSchema(object: Record<string, unknown>, schema: StructuralSchema): FieldError[] {
  const errors: FieldError[] = [];
  validateObject(object, schema, undefined, errors, true);
  return errors;
}

/** The field errors of any value against a schema node, its paths under `path` (a default's check). */
export function validateAgainstSchemaAt(value: unknown, schema: StructuralSchema, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  validateValue(value, schema, path, errors);
  return errors;
}

function validateValue(value: unknown, schema: StructuralSchema, path: FieldPath, errors: FieldError[]): void {
  if (value === null && schema.nullable === true) return;
  if (!typeMatches(value, schema)) {
    const expected = schema['x-kubernetes-int-or-string'] === true ? 'integer,string' : schema.type!;
    const actual = jsonType(value);
    errors.push(invalid(path, actual, `${path.toString()} in body must be of type ${expected}: "${actual}"`));
    return;
  }
  if (schema.enum !== undefined && schema.enum.length > 0 && !schema.enum.some((allowed) => semanticEqual(allowed, value))) {
    errors.push(notSupported(path, value, schema.enum.map((v) => (typeof v === 'string' ? v : goJson(v)))));
  }
  if (typeof value === 'string') validateString(value, schema, path, errors);
  else if (typeof value === 'number') validateNumber(value, schema, path, errors);
  else if (Array.isArray(value)) validateArray(value, schema, path, errors);
  else if (isPlainObject(value)) validateObject(value, schema, path, errors, schema['x-kubernetes-embedded-resource'] === true);
}

function typeMatches(value: unknown, schema: StructuralSchema): boolean {
  const actual = jsonType(value);
  if (schema['x-kubernetes-int-or-string'] === true) return actual === 'integer' || actual === 'string';
  switch (schema.type) {
    case undefined:
    case '':
      return true;
    case 'number':
      return actual === 'number' || actual === 'integer';
    default:
      return actual === schema.type;
  }
}

function validateString(value: string, schema: StructuralSchema, path: FieldPath, errors: FieldError[]): void {
  const at = path.toString();
  if (schema.format && !matchesFormat(schema.format, value)) errors.push(invalid(path, value, `${at} in body must be of type ${schema.format}: ${JSON.stringify(value)}`));
  // The string checks stop at the first that fails, as the OpenAPI validator's do.
  const length = [...value].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) errors.push(tooLong(path, schema.maxLength));
  else if (schema.minLength !== undefined && length < schema.minLength) errors.push(invalid(path, value, `${at} in body should be at least ${schema.minLength} chars long`));
  else if (schema.pattern !== undefined && !patternMatches(schema.pattern, value)) errors.push(invalid(path, value, `${at} in body should match '${schema.pattern}'`));
}

function validateNumber(value: number, schema: StructuralSchema, path: FieldPath, errors: FieldError[]): void {
  const at = path.toString();
  if (schema.multipleOf !== undefined && schema.multipleOf > 0) {
    const quotient = value / schema.multipleOf;
    if (Math.abs(quotient - Math.round(quotient)) > 1e-9) errors.push(invalid(path, value, `${at} in body should be a multiple of ${schema.multipleOf}`));
  }
  if (schema.maximum !== undefined) {
    if (schema.exclusiveMaximum === true ? value >= schema.maximum : value > schema.maximum) {
      errors.push(invalid(path, value, `${at} in body should be less than ${schema.exclusiveMaximum === true ? '' : 'or equal to '}${schema.maximum}`));
    }
  }
  if (schema.minimum !== undefined) {
    if (schema.exclusiveMinimum === true ? value <= schema.minimum : value < schema.minimum) {
      errors.push(invalid(path, value, `${at} in body should be greater than ${schema.exclusiveMinimum === true ? '' : 'or equal to '}${schema.minimum}`));
    }
  }
}

function validateArray(value: unknown[], schema: StructuralSchema, path: FieldPath, errors: FieldError[]): void {
  if (schema.items) value.forEach((item, i) => validateValue(item, schema.items!, path.index(i), errors));
  if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(tooMany(path, value.length, schema.maxItems));
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    errors.push(invalid(path, value.length, `${path.toString()} in body should have at least ${schema.minItems} items`));
  }
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set' || schema.uniqueItems === true) {
    value.forEach((item, i) => {
      if (value.slice(0, i).some((earlier) => semanticEqual(earlier, item))) errors.push(duplicate(path.index(i), item));
    });
  } else if (listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const seen: Record<string, unknown>[] = [];
    value.forEach((item, i) => {
      if (!isPlainObject(item)) return;
      const key = Object.fromEntries(keys.filter((k) => item[k] !== undefined).map((k) => [k, item[k]]));
      if (seen.some((s) => semanticEqual(s, key))) errors.push(duplicate(path.index(i), key));
      seen.push(key);
    });
  }
}

function validateObject(value: Record<string, unknown>, schema: StructuralSchema, path: FieldPath | undefined, errors: FieldError[], resource: boolean): void {
  const count = Object.keys(value).length;
  const at = (name: string): FieldPath => (path === undefined ? FieldPath.root(name) : path.child(name));
  if (path !== undefined && schema.maxProperties !== undefined && count > schema.maxProperties) errors.push(tooMany(path, count, schema.maxProperties));
  if (path !== undefined && schema.minProperties !== undefined && count < schema.minProperties) {
    errors.push(invalid(path, count, `${path.toString()} in body should have at least ${schema.minProperties} properties`));
  }
  for (const key of Object.keys(value).sort()) {
    // metadata is ObjectMeta, validated as any object's; apiVersion and kind were decoded.
    if (resource && path === undefined && ['apiVersion', 'kind', 'metadata'].includes(key)) continue;
    const child = fieldSchema(schema, key);
    if (child !== undefined && value[key] !== undefined) validateValue(value[key], child, at(key), errors);
  }
  if (resource && path !== undefined) {
    // An embedded resource is an object of its own: it names its kind.
    for (const field of ['apiVersion', 'kind']) if (typeof value[field] !== 'string' || value[field] === '') errors.push(required(at(field)));
  }
  for (const name of schema.required ?? []) {
    if (value[name] === undefined) errors.push(required(at(name)));
  }
}

function tooMany(path: FieldPath, actual: number, max: number): FieldError {
  return { type: 'FieldValueTooMany', field: path.toString(), value: actual, detail: `must have at most ${max} ${max === 1 ? 'item' : 'items'}` };
}

/** ECMA-262 patterns, as the CRD's schema gives them; one that does not compile matches nothing here (the CRD's validation refuses it). */
function patternMatches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    try {
      return new RegExp(pattern).test(value);
    } catch {
      return false;
    }
  }
}

