/**
 * The structural schema of a custom resource's version (apiextensions.k8s.io/v1
 * JSONSchemaProps): what validation, pruning and defaulting read, and what server-side apply
 * needs to merge a custom resource (list types, map keys, map types).
 */

/** One node of an openAPIV3Schema, as a CustomResourceDefinition spells it. */
export interface StructuralSchema {
  type?: string;
  format?: string;
  description?: string;
  nullable?: boolean;
  default?: unknown;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  multipleOf?: number;
  enum?: unknown[];
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  items?: StructuralSchema;
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema | boolean;
  allOf?: StructuralSchema[];
  anyOf?: StructuralSchema[];
  oneOf?: StructuralSchema[];
  not?: StructuralSchema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  /** `atomic`, `set` or `map` (server-side apply's merge of a list). */
  'x-kubernetes-list-type'?: string;
  /** The keys of a `map` list's items. */
  'x-kubernetes-list-map-keys'?: string[];
  /** `granular` or `atomic` (server-side apply's merge of an object). */
  'x-kubernetes-map-type'?: string;
  /** CEL rules: accepted, not evaluated (docs/custom-resources.md). */
  'x-kubernetes-validations'?: unknown[];
}

/** Whether a node lets fields it does not list through (x-kubernetes-preserve-unknown-fields). */
export function preservesUnknown(schema: StructuralSchema): boolean {
  return schema['x-kubernetes-preserve-unknown-fields'] === true;
}

/** The schema of an object's field `name`, from its properties or additionalProperties. */
export function fieldSchema(schema: StructuralSchema, name: string): StructuralSchema | undefined {
  const declared = schema.properties?.[name];
  if (declared && Object.hasOwn(schema.properties!, name)) return declared;
  const additional = schema.additionalProperties;
  if (typeof additional === 'object') return additional;
  return undefined;
}

/** Whether a node declares an object's fields (properties or additionalProperties). */
export function declaresFields(schema: StructuralSchema): boolean {
  return schema.properties !== undefined || (schema.additionalProperties !== undefined && schema.additionalProperties !== false);
}

/** The JSON type of a value as the OpenAPI validator names it: integer apart from number. */
export function jsonType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'bigint') return 'integer';
  return typeof value === 'object' ? 'object' : typeof value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
