/**
 * The rules a CustomResourceDefinition's openAPIV3Schema must keep to be structural, as
 * ValidateCustomResourceDefinitionOpenAPISchema and the structural schema checks word them:
 * an object at the root, a type for every specified field and array item, items for every array,
 * no metadata but name and generateName, patterns that compile, no uniqueItems, and defaults
 * that the schema itself accepts.
 */
import { FieldPath, forbidden, invalid, required, type FieldError } from '../../policy/field.js';
import { validateAgainstSchemaAt } from './schema-validation.js';
import { isPlainObject, type StructuralSchema } from './structural-schema.js';

/** The field errors of a version's schema, under `path` (`spec.validation.openAPIV3Schema`). */
export function validateStructuralSchema(schema: StructuralSchema, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  if (schema.type === undefined || schema.type === '') errors.push(required(path.child('type'), 'must not be empty at the root'));
  else if (schema.type !== 'object') errors.push(invalid(path.child('type'), schema.type, 'must be object at the root'));
  const metadata = schema.properties?.['metadata'];
  if (metadata !== undefined && !onlyNameAndGenerateName(metadata)) {
    errors.push(forbidden(path.child('properties').key('metadata'), 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
  if (errors.length > 0) return errors;
  checkNode(schema, path, errors, 'root');
  if (errors.length > 0) return errors;
  checkDefaults(schema, path, errors);
  return errors;
}

type Place = 'root' | 'field' | 'item' | 'free';

function checkNode(schema: StructuralSchema, path: FieldPath, errors: FieldError[], place: Place): void {
  const typeless = schema.type === undefined || schema.type === '';
  const free = schema['x-kubernetes-int-or-string'] === true || schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (typeless && !free && place === 'field') errors.push(required(path.child('type'), 'must not be empty for specified object fields'));
  if (typeless && !free && place === 'item') errors.push(required(path.child('type'), 'must not be empty for specified array items'));
  if (schema.type === 'array' && schema.items === undefined) errors.push(required(path.child('items'), 'must be specified'));
  if (schema.uniqueItems === true) errors.push(forbidden(path.child('uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (schema.properties !== undefined && isPlainObject(schema.additionalProperties)) {
    errors.push(forbidden(path.child('additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
  }
  if (schema.pattern !== undefined) {
    try {
      new RegExp(schema.pattern, 'u');
    } catch (error) {
      errors.push(invalid(path.child('pattern'), schema.pattern, `must be a valid regular expression, but isn't: ${(error as Error).message}`));
    }
  }
  for (const name of Object.keys(schema.properties ?? {}).sort()) {
    checkNode(schema.properties![name]!, path.child('properties').key(name), errors, 'field');
  }
  if (isPlainObject(schema.additionalProperties)) checkNode(schema.additionalProperties, path.child('additionalProperties'), errors, 'field');
  if (schema.items !== undefined) checkNode(schema.items, path.child('items'), errors, 'item');
}

/** Each default must be valid against its own node's schema (it is pruned and defaulted first, as upstream). */
function checkDefaults(schema: StructuralSchema, path: FieldPath, errors: FieldError[]): void {
  if (schema.default !== undefined) {
    for (const error of validateAgainstSchemaAt(schema.default, schema, FieldPath.root(''))) {
      errors.push({ ...error, field: path.child('default').toString() });
    }
  }
  for (const name of Object.keys(schema.properties ?? {}).sort()) checkDefaults(schema.properties![name]!, path.child('properties').key(name), errors);
  if (isPlainObject(schema.additionalProperties)) checkDefaults(schema.additionalProperties, path.child('additionalProperties'), errors);
  if (schema.items !== undefined) checkDefaults(schema.items, path.child('items'), errors);
}

function onlyNameAndGenerateName(metadata: StructuralSchema): boolean {
  const allowed = new Set(['type', 'properties', 'description']);
  if (Object.keys(metadata).some((k) => !allowed.has(k)) || (metadata.type !== undefined && metadata.type !== 'object')) return false;
  const properties = metadata.properties ?? {};
  return Object.entries(properties).every(([name, p]) => (name === 'name' || name === 'generateName') && p.type === 'string'
    && Object.keys(p).every((k) => ['type', 'description', 'pattern', 'maxLength', 'minLength', 'enum', 'format'].includes(k)));
}
