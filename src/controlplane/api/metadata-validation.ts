/** Object metadata validation for every resource (ValidateObjectMeta), with the name rule of each. */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { FieldPath, invalid, type FieldError } from '../../policy/field.js';
import { validateObjectMeta } from '../../policy/validation/metadata.js';
import type { ResourceDefinition } from '../resources/definition.js';
import { metaOf, type Obj } from './object-meta.js';

export function validateMetadata(info: ResourceDefinition, object: Obj): FieldError[] {
  const meta = metaOf(object);
  const path = FieldPath.root('metadata');
  const errors = validateObjectMeta(meta as V1ObjectMeta, path);
  if (!info.validateName || !meta.name) return errors;
  // ValidateObjectMeta checks a name with the resource's own rule instead of the DNS subdomain
  // one (a namespace's "UPPER" breaks only the label rule), so its subdomain errors give way.
  const name = path.child('name').toString();
  const kept = errors.filter((e) => !(e.field === name && e.type === 'FieldValueInvalid'));
  // In ValidateObjectMeta's order: the name's errors before the namespace's and the labels'.
  const at = kept.findIndex((e) => e.field !== name && e.field !== path.child('generateName').toString());
  const own = info.validateName(meta.name).map((message) => invalid(path.child('name'), meta.name, message));
  return at < 0 ? [...kept, ...own] : [...kept.slice(0, at), ...own, ...kept.slice(at)];
}
