/** Object metadata validation for every resource (ValidateObjectMeta), with the name rule of each. */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { FieldPath, invalid, type FieldError } from '../../policy/field.js';
import { validateObjectMeta } from '../../policy/validation/metadata.js';
import { isDNS1123Label } from '../../policy/validation/names.js';
import { metaOf, type Obj } from './object-meta.js';
import type { ResourceInfo } from './resources.js';

export function validateMetadata(info: ResourceInfo, object: Obj): FieldError[] {
  const meta = metaOf(object);
  const path = FieldPath.root('metadata');
  const errors = validateObjectMeta(meta as V1ObjectMeta, path);
  // Namespaces are DNS labels (they become parts of DNS names), stricter than other objects' subdomains.
  if (info.resource === 'namespaces' && meta.name) {
    for (const message of isDNS1123Label(meta.name)) errors.push(invalid(path.child('name'), meta.name, message));
  }
  return errors;
}
