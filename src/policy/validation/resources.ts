/**
 * `resources.limits` and `resources.requests` of a container: non-negative, and requests no higher
 * than limits. Malformed quantities are caught earlier, when the object is decoded (see schema.ts).
 */
import type { V1ResourceRequirements } from '@kubernetes/client-node';
import { parseQuantity } from '../../api/quantity.js';
import { invalid, type FieldError, type FieldPath } from '../field.js';

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

export function validateResources(resources: V1ResourceRequirements | undefined, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const limits = (resources?.limits ?? {}) as Record<string, unknown>;
  const requests = (resources?.requests ?? {}) as Record<string, unknown>;
  for (const [kind, list] of [['limits', limits], ['requests', requests]] as const) {
    for (const [name, raw] of Object.entries(list)) {
      const p = path.child(kind).key(name);
      if (!name.includes('/') && !STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
        errors.push(invalid(p, name, 'must be a standard resource for containers'));
        continue;
      }
      const quantity = parseQuantity(raw);
      if ('value' in quantity && quantity.value < 0) errors.push(invalid(p, quantity.canonical, 'must be greater than or equal to 0'));
    }
  }
  for (const [name, raw] of Object.entries(requests)) {
    const limitRaw = limits[name];
    if (limitRaw === undefined) continue;
    const request = parseQuantity(raw);
    const limit = parseQuantity(limitRaw);
    if ('value' in request && 'value' in limit && request.value > limit.value) {
      errors.push(invalid(path.child('requests'), request.canonical, `must be less than or equal to ${name} limit of ${limit.canonical}`));
    }
  }
  return errors;
}
