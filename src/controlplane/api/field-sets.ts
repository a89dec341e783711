/**
 * The fields a resource can be selected by (`--field-selector`), as kube-apiserver's registries
 * define them (`GetAttrs`/`ToSelectableFields`): metadata.name and metadata.namespace for every
 * resource, and those its definition adds.
 */
import { badRequest } from './status-error.js';
import type { FieldRequirement } from './selectors.js';

type Obj = Record<string, unknown>;

/** A selectable field's value for an object, as the selector compares it. */
export type FieldValue = (object: Obj) => string;

function at(object: Obj, path: string): unknown {
  let value: unknown = object;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Obj)[part];
  }
  return value;
}

/** The field at a dotted path, as text ('' when unset). */
export function fieldText(path: string): FieldValue {
  return (object) => {
    const value = at(object, path);
    return value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  };
}

/** A boolean field at a dotted path: 'true', or 'false' when unset. */
export function fieldFlag(path: string): FieldValue {
  return (object) => String(at(object, path) === true);
}

const META: Readonly<Record<string, FieldValue>> = { 'metadata.name': fieldText('metadata.name'), 'metadata.namespace': fieldText('metadata.namespace') };

interface Selectable {
  readonly selectableFields?: Readonly<Record<string, FieldValue>>;
}

function valueOf(resource: Selectable, field: string): FieldValue | undefined {
  if (Object.hasOwn(META, field)) return META[field];
  const fields = resource.selectableFields;
  return fields && Object.hasOwn(fields, field) ? fields[field] : undefined;
}

/** Checks that every field is selectable on `resource`. @throws StatusError 400 as upstream words it */
export function checkFieldSelector(resource: Selectable, requirements: readonly FieldRequirement[]): void {
  for (const r of requirements) {
    if (!valueOf(resource, r.field)) throw badRequest(`field label not supported: ${r.field}`);
  }
}

export function matchesFields(resource: Selectable, requirements: readonly FieldRequirement[], object: Obj): boolean {
  return requirements.every((r) => {
    const get = valueOf(resource, r.field);
    const value = get ? get(object) : '';
    return r.op === '=' ? value === r.value : value !== r.value;
  });
}
