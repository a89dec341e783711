/**
 * `resources.limits` and `resources.requests` of a container (validateResourceRequirements):
 * resource names (standard, or extended and fully qualified), non-negative quantities, whole
 * numbers of extended resources, and requests no higher than limits (equal to them for extended
 * resources, which cannot be overcommitted). Malformed quantities are caught earlier, when the
 * object is decoded (see schema.ts).
 */
import type { V1ResourceRequirements } from '@kubernetes/client-node';
import { exactQuantity } from '../../api/defaults/index.js';
import { parseQuantity } from '../../api/quantity.js';
import { forbidden, GoJsonValue, invalid, required, type FieldError, type FieldPath } from '../field.js';
import { isQualifiedName } from './names.js';

const STANDARD_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu',
  'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets',
  'configmaps', 'persistentvolumeclaims', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
]);
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const INTEGER_RESOURCES = new Set([
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers',
]);

const isHugePages = (name: string): boolean => name.startsWith('hugepages-');
const isNative = (name: string): boolean => !name.includes('/') || name.includes('kubernetes.io/');
const isExtended = (name: string): boolean => !isNative(name) && !name.startsWith('requests.') && isQualifiedName(`requests.${name}`).length === 0;
/** Native resources other than huge pages may be requested below their limit. */
const overcommitAllowed = (name: string): boolean => isNative(name) && !isHugePages(name);

function validateResourceName(name: string, path: FieldPath): FieldError[] {
  const errors = isQualifiedName(name).map((message) => invalid(path, name, message));
  const unqualified = !name.includes('/');
  if (errors.length === 0 && unqualified && !STANDARD_RESOURCES.has(name) && !name.startsWith('hugepages-') && !name.startsWith('requests.hugepages-')) {
    errors.push(invalid(path, name, 'must be a standard resource type or fully qualified'));
  }
  if (unqualified) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) errors.push(invalid(path, name, 'must be a standard resource for containers'));
  } else if (!isNative(name) && !isExtended(name)) {
    errors.push(invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errors;
}

function validateQuantity(name: string, raw: unknown, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const quantity = parseQuantity(raw);
  const exact = exactQuantity(raw);
  if ('error' in quantity || !exact) return errors;
  if (exact.nanos < 0n) errors.push(invalid(path, quantity.canonical, 'must be greater than or equal to 0'));
  // MilliValue rounds up; the Quantity itself is shown as JSON, a quoted string.
  const millis = exact.nanos / 1_000_000n + (exact.nanos % 1_000_000n > 0n ? 1n : 0n);
  if ((INTEGER_RESOURCES.has(name) || isExtended(name)) && millis % 1000n !== 0n) {
    errors.push(invalid(path, new GoJsonValue(quantity.canonical), 'must be an integer'));
  }
  return errors;
}

/** A huge page quantity must be a whole number of its pages (IsHugePageResourceValueDivisible). */
function validateHugePages(name: string, raw: unknown, path: FieldPath): FieldError[] {
  if (!isHugePages(name)) return [];
  const page = exactQuantity(name.slice('hugepages-'.length));
  const quantity = exactQuantity(raw);
  const text = parseQuantity(raw);
  if (!quantity || 'error' in text) return [];
  // Value() rounds up to whole units.
  const whole = (nanos: bigint): bigint => nanos / 1_000_000_000n + (nanos % 1_000_000_000n > 0n ? 1n : 0n);
  const divisible = page !== undefined && page.nanos > 0n && page.nanos % 1_000_000_000n === 0n && whole(quantity.nanos) % whole(page.nanos) === 0n;
  return divisible ? [] : [invalid(path, text.canonical, `${text.canonical} is not positive integer multiple of ${name}`)];
}

export function validateResources(resources: V1ResourceRequirements | undefined, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const limits = (resources?.limits ?? {}) as Record<string, unknown>;
  const requests = (resources?.requests ?? {}) as Record<string, unknown>;
  const limitsPath = path.child('limits');
  const requestsPath = path.child('requests');
  for (const [name, raw] of Object.entries(limits)) {
    errors.push(...validateResourceName(name, limitsPath.key(name)), ...validateQuantity(name, raw, limitsPath.key(name)));
    errors.push(...validateHugePages(name, raw, limitsPath.key(name)));
  }
  for (const [name, raw] of Object.entries(requests)) {
    errors.push(...validateResourceName(name, requestsPath.key(name)), ...validateQuantity(name, raw, requestsPath.key(name)));
    const request = exactQuantity(raw);
    const canonical = parseQuantity(raw);
    if (!(name in limits)) {
      if (!overcommitAllowed(name)) errors.push(required(limitsPath, 'Limit must be set for non overcommitable resources'));
    } else {
      const limit = exactQuantity(limits[name]);
      const limitText = parseQuantity(limits[name]);
      if (request && limit && !('error' in canonical) && !('error' in limitText)) {
        if (request.nanos !== limit.nanos && !overcommitAllowed(name)) {
          errors.push(invalid(requestsPath, canonical.canonical, `must be equal to ${name} limit of ${limitText.canonical}`));
        } else if (request.nanos > limit.nanos) {
          errors.push(invalid(requestsPath, canonical.canonical, `must be less than or equal to ${name} limit of ${limitText.canonical}`));
        }
      }
    }
    errors.push(...validateHugePages(name, raw, requestsPath.key(name)));
  }
  const names = [...Object.keys(limits), ...Object.keys(requests)];
  if (names.some(isHugePages) && !names.some((n) => n === 'cpu' || n === 'memory')) errors.push(forbidden(path, 'HugePages require cpu or memory'));
  return errors;
}
