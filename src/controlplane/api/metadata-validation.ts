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
  if (info.validateName && meta.name) {
    for (const message of info.validateName(meta.name)) errors.push(invalid(path.child('name'), meta.name, message));
  }
  return errors;
}
