/**
 * The field types server-side apply merges by, as structured-merge-diff's schema describes them:
 * scalars; structs (known fields) and maps (any key), each granular or atomic; lists that are
 * atomic, sets, or maps keyed by list-map keys; and `untyped` for what has no schema, which is
 * treated as upstream treats a deduced type (maps granular, lists atomic).
 *
 * Built-in kinds take theirs from `field-types.json`, recorded from a real kube-apiserver's
 * OpenAPI v3 by `scripts/record-field-types.ts` with `fieldTypesFromOpenApi` below; a custom
 * resource's structural schema converts with the same function (see docs/server-side-apply.md).
 */

/** A reference to a named type of the same `FieldTypes`, or a type written in place. */
export type TypeRef = string | FieldType;

export type FieldType =
  | { kind: 'scalar'; type?: 'string' | 'integer' | 'number' | 'boolean' }
  | { kind: 'untyped' }
  /**
   * `zero`: the fields Go's zero value of the struct has when encoded (a struct that is no pointer:
   * `{}`; a list or map without omitempty: null), what a create is compared against.
   */
  | { kind: 'struct'; fields: Record<string, TypeRef>; atomic?: boolean; open?: boolean; zero?: Record<string, 'struct' | 'null'> }
  | { kind: 'map'; values: TypeRef; atomic?: boolean }
  | { kind: 'list'; items: TypeRef; listType: 'atomic' | 'set' | 'map'; keys?: string[]; keyDefaults?: Record<string, unknown> };

/** A root type and the named types it refers to. */
export interface FieldTypes {
  root: TypeRef;
  named: Readonly<Record<string, FieldType>>;
}

export const UNTYPED: FieldType = { kind: 'untyped' };

/** The type a reference names. Unknown names are untyped. */
export function resolveType(types: FieldTypes, ref: TypeRef): FieldType {
  if (typeof ref !== 'string') return ref;
  return types.named[ref] ?? UNTYPED;
}

/** An OpenAPI v3 schema object, as far as this conversion reads it. */
export interface OpenApiSchema {
  type?: string;
  format?: string;
  $ref?: string;
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  anyOf?: OpenApiSchema[];
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  items?: OpenApiSchema;
  default?: unknown;
  required?: string[];
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
}

const REF_PREFIX = '#/components/schemas/';

/**
 * A field type from an OpenAPI v3 schema (a built-in type's component, or a CRD version's
 * `openAPIV3Schema`). `named` resolves `$ref`s, for the defaults of list-map keys.
 */
export function fieldTypeFromOpenApi(schema: OpenApiSchema, named: Readonly<Record<string, OpenApiSchema>> = {}): TypeRef {
  const resolve = (s: OpenApiSchema): OpenApiSchema => {
    const ref = refOf(s);
    return ref === undefined ? s : (named[ref] ?? {});
  };
  const convert = (s: OpenApiSchema): TypeRef => {
    const ref = refOf(s);
    if (ref !== undefined) {
      // A reference with its own map type (an atomic use of a granular struct) is written in place.
      const target = named[ref];
      if (s['x-kubernetes-map-type'] === 'atomic' && target) {
        const inner = convert(target);
        return typeof inner === 'string' ? inner : { ...inner, atomic: true } as FieldType;
      }
      return ref;
    }
    if (s['x-kubernetes-int-or-string'] || s.oneOf || s.anyOf) return { kind: 'scalar' };
    const atomic = s['x-kubernetes-map-type'] === 'atomic';
    switch (s.type) {
      case 'array': {
        const listType = s['x-kubernetes-list-type'] === 'set' || s['x-kubernetes-list-type'] === 'map' ? s['x-kubernetes-list-type'] : 'atomic';
        const items = s.items ? convert(s.items) : UNTYPED;
        const keys = s['x-kubernetes-list-map-keys'];
        if (listType !== 'map' || !keys) return { kind: 'list', items, listType: listType === 'map' ? 'atomic' : listType };
        const itemProperties = s.items ? resolve(s.items).properties ?? {} : {};
        const keyDefaults: Record<string, unknown> = {};
        for (const key of keys) {
          const property = itemProperties[key];
          if (property && property.default !== undefined) keyDefaults[key] = property.default;
        }
        return { kind: 'list', items, listType, keys: [...keys], ...(Object.keys(keyDefaults).length > 0 ? { keyDefaults } : {}) };
      }
      case 'object': {
        if (s.properties) {
          const fields: Record<string, TypeRef> = {};
          for (const [name, property] of Object.entries(s.properties)) fields[name] = convert(property);
          const open = s['x-kubernetes-preserve-unknown-fields'] === true || s['x-kubernetes-embedded-resource'] === true;
          const zero = zeroFields(s);
          return { kind: 'struct', fields, ...(atomic ? { atomic } : {}), ...(open ? { open } : {}), ...(zero ? { zero } : {}) };
        }
        if (typeof s.additionalProperties === 'object') return { kind: 'map', values: convert(s.additionalProperties), ...(atomic ? { atomic } : {}) };
        return atomic ? { kind: 'map', values: UNTYPED, atomic } : UNTYPED;
      }
      case 'string':
      case 'integer':
      case 'number':
      case 'boolean':
        return { kind: 'scalar', type: s.type };
      default:
        return UNTYPED;
    }
  };
  return convert(schema);
}

/**
 * The fields of a struct its Go zero value encodes: OpenAPI marks a struct that is no pointer with
 * `default: {}`, and a field without omitempty as required (a nil list or map then encodes as null).
 */
function zeroFields(schema: OpenApiSchema): Record<string, 'struct' | 'null'> | undefined {
  const zero: Record<string, 'struct' | 'null'> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const isDefaultStruct = typeof property.default === 'object' && property.default !== null && !Array.isArray(property.default) && Object.keys(property.default).length === 0;
    if (isDefaultStruct && refOf(property) !== undefined) zero[name] = 'struct';
    else if (schema.required?.includes(name) && (property.type === 'array' || (property.type === 'object' && property.additionalProperties))) zero[name] = 'null';
  }
  return Object.keys(zero).length > 0 ? zero : undefined;
}

function refOf(schema: OpenApiSchema): string | undefined {
  const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0]!.$ref : undefined);
  return ref?.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref;
}
