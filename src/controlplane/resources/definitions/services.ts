/**
 * Services (core/v1): a stable name and address for a set of pods. The strategy gives each one
 * its cluster IP and node ports from the service ranges before validation (kube-apiserver's
 * allocator runs first, and its errors come alone), keeps them across updates that leave them
 * out, and drops what a new type no longer needs. hostpod does not proxy Service traffic.
 */
import { defaultService } from '../../../api/defaults/service-defaults.js';
import { invalidObject } from '../../api/status-error.js';
import { Service } from '../../patch/patch-meta.js';
import { allocateCreate, allocateUpdate, checkIPFamiliesOnUpdate, inUse } from '../../services/service-allocation.js';
import { serviceNetwork } from '../../services/service-network.js';
import { normalizeCreate, normalizeUpdate } from '../../services/service-update.js';
import { serviceWarnings, validateClusterIPsRelatedFields, validateService, validateServiceUpdate } from '../../services/service-validation.js';
import { servicePrinter } from '../../tables/services.js';
import { metaOf, type Obj } from '../../api/object-meta.js';
import { ALL_VERBS, defineResource, STATUS_VERBS, type StrategyContext } from '../definition.js';

const DEFAULT_NETWORK = serviceNetwork();

/** Whether the Service had and keeps a cluster IP (not ExternalName before or after). */
function needsClusterIPNow(service: Obj, current: Obj): boolean {
  const type = (object: Obj): unknown => (object['spec'] as { type?: unknown } | undefined)?.type;
  return type(service) !== 'ExternalName' && type(current) !== 'ExternalName';
}

function others(context: StrategyContext, except?: { namespace: string; name: string }): ReturnType<typeof inUse> {
  return inUse(context.listAll?.('services') ?? [], except);
}

export const services = defineResource({
  group: '', version: 'v1', kind: 'Service', resource: 'services', singular: 'service',
  verbs: ALL_VERBS, shortNames: ['svc'], categories: ['all'],
  subresources: [{ name: 'status', kind: 'Service', verbs: STATUS_VERBS }],

  defaults: defaultService,
  prepareForCreate(service) {
    service['status'] = { loadBalancer: {} };
    normalizeCreate(service);
  },
  prepareForUpdate(stored, updated, subresource) {
    if (subresource === '') normalizeUpdate(updated, stored);
  },
  admitCreate(service, context) {
    const errors = allocateCreate(service, context.serviceNetwork ?? DEFAULT_NETWORK, others(context));
    if (errors.length > 0) throw invalidObject(services, service, errors);
    return service;
  },
  validate(service, current, context) {
    if (!current) {
      const errors = validateService(service);
      if (errors.length > 0) throw invalidObject(services, service, errors);
      return serviceWarnings(service);
    }
    // The allocator checks the cluster IP fields and families first, and its errors come alone.
    const ipErrors = needsClusterIPNow(service, current) ? checkIPFamiliesOnUpdate(service, current) : validateClusterIPsRelatedFields(service);
    if (ipErrors.length > 0) throw invalidObject(services, service, ipErrors);
    const errors = validateServiceUpdate(service, current);
    if (errors.length > 0) throw invalidObject(services, service, errors);
    // The update's allocation, after its validation (a cluster IP for a former ExternalName, new node ports).
    const meta = metaOf(service);
    const allocation = allocateUpdate(service, current, context.serviceNetwork ?? DEFAULT_NETWORK, others(context, { namespace: meta.namespace ?? '', name: meta.name ?? '' }));
    if (allocation.length > 0) throw invalidObject(services, service, allocation);
    return serviceWarnings(service);
  },

  patchMeta: Service,
  printer: servicePrinter,
});
