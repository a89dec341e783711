/**
 * The field types of a served resource: its definition's own (`fieldTypes`, what a custom
 * resource's structural schema gives), else the built-in kind's as recorded from kube-apiserver
 * in field-types.json, else untyped (upstream's deduced type: maps granular, lists atomic).
 */
import recorded from './field-types.json' with { type: 'json' };
import type { FieldType, FieldTypes } from './field-types.js';

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
