/**
 * The field types of a served resource: its definition's own (`fieldTypes`, what a custom
 * resource's structural schema gives), else the built-in kind's as recorded from kube-apiserver
 * in field-types.json, else untyped (upstream's deduced type: maps granular, lists atomic).
 */
import recorded from './field-types.json' with { type: 'json' };
import { fieldTypeFromOpenApi, type FieldType, type FieldTypes, type OpenApiSchema } from './field-types.js';

interface Recorded {
  kinds: Record<string, string>;
  named: Record<string, FieldType>;
}

const RECORDED = recorded as unknown as Recorded;
const UNTYPED_ROOT: FieldTypes = { root: { kind: 'untyped' }, named: {} };
const cache = new Map<string, FieldTypes>();

/** What `fieldTypesOf` needs of a resource definition. */
export interface TypedResource {
  group: string;
  version: string;
  kind: string;
  /** The resource's own field types (a custom resource's schema); built-in kinds need none. */
  fieldTypes?: () => FieldTypes | undefined;
}

/** The field types server-side apply merges an object of `resource` by. */
export function fieldTypesOf(resource: TypedResource): FieldTypes {
  const own = resource.fieldTypes?.();
  if (own) return own;
  const key = `${resource.group === '' ? '' : `${resource.group}/`}${resource.version}/${resource.kind}`;
  let types = cache.get(key);
  if (!types) {
    const root = RECORDED.kinds[key];
    types = root === undefined ? UNTYPED_ROOT : { root, named: RECORDED.named };
    cache.set(key, types);
  }
  return types;
}

/**
 * The field types of a custom resource from its version's structural schema (`openAPIV3Schema`),
 * what a CRD's served resource gives as `fieldTypes`: the schema converted as a built-in type's
 * (list and map types, key defaults), its top always taking apiVersion, kind and metadata (an
 * ObjectMeta), as upstream completes a custom resource's schema. Without a schema, an open struct.
 */
export function customResourceFieldTypes(schema: OpenApiSchema | undefined): FieldTypes {
  const converted = schema ? fieldTypeFromOpenApi(schema) : { kind: 'struct', fields: {}, open: true } as FieldType;
  const root: FieldType = typeof converted !== 'string' && converted.kind === 'struct'
    ? converted
    : { kind: 'struct', fields: {}, open: true };
  const string: FieldType = { kind: 'scalar', type: 'string' };
  return {
    root: { ...root, fields: { ...root.fields, apiVersion: string, kind: string, metadata: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' } },
    named: RECORDED.named,
  };
}
