/**
 * The generic steps of the registry around what differs per resource: defaults and admission
 * mutations on create, what an update may change (main resource vs. status), validation and
 * admission, and which objects may not be deleted. kube-apiserver keeps the differences in one
 * strategy per resource; here each resource's definition carries them (src/controlplane/resources).
 */
import { admitNodeRequest } from '../admission/node-restriction.js';
import type { ResourceDefinition, StrategyContext } from '../resources/definition.js';
import { validateMetadata } from './metadata-validation.js';
import { metaOf, type Obj, type ObjectLookup } from './object-meta.js';
import type { RequestContext } from './object-api.js';
import { prepareForCreate } from './prepare-create.js';
import { prepareForUpdate } from './prepare-update.js';
import { invalidObject } from './status-error.js';
import type { ServiceNetwork } from '../services/service-network.js';

/**
 * `owned`: the object is the caller's own copy for this write, shared with no one (not with the
 * stored object either), so it is prepared in place rather than copied again.
 */
export interface Strategy {
  prepareForCreate(info: ResourceDefinition, object: Obj, context: RequestContext, owned?: boolean): Obj;
  prepareForUpdate(info: ResourceDefinition, object: Obj, current: Obj, context: RequestContext, subresource?: string, owned?: boolean): Obj;
  /** @returns warnings @throws StatusError */
  validate(info: ResourceDefinition, object: Obj, current: Obj | undefined, context: RequestContext, subresource?: string): string[];
  checkDelete(info: ResourceDefinition, object: Obj, context: RequestContext): void;
}

export class ResourceStrategy implements Strategy {
  constructor(
    private readonly lookup: ObjectLookup,
    private readonly now: () => Date,
    /** The pods of a namespace, for Pod Security's warnings when its enforce level changes. */
    private readonly podsIn: (namespace: string) => Obj[] = () => [],
    private readonly policy: { allowPrivileged: boolean } = { allowPrivileged: true },
    /** What a Service's allocation reads: every stored Service, and the service ranges. */
    private readonly services: { listAll?: (resource: string) => Obj[]; network?: ServiceNetwork } = {},
    /** The stored objects of a resource in a namespace, for RBAC's escalation checks. */
    private readonly objectsIn: (resource: string, namespace: string) => Obj[] = () => [],
  ) {}

  prepareForCreate(info: ResourceDefinition, object: Obj, context: RequestContext, owned = false): Obj {
    const prepared = prepareForCreate(info, object, this.now(), {}, owned);
    return info.admitCreate ? info.admitCreate(prepared, this.#context(context)) : prepared;
  }

  prepareForUpdate(info: ResourceDefinition, object: Obj, current: Obj, _context: RequestContext, subresource?: string, owned = false): Obj {
    if (subresource === 'binding') {
      // Binding is the registry's own write: it sets spec.nodeName and the PodScheduled condition.
      return { ...object, metadata: { ...metaOf(current), resourceVersion: metaOf(object).resourceVersion } };
    }
    const mode = subresource === 'status' || subresource === 'finalize' || subresource === 'ephemeralcontainers' ? subresource : '';
    // Admission runs before the generation is decided, so fields it restores are no spec change.
    const admitted = info.admitUpdate && mode === '' ? info.admitUpdate(current, object) : object;
    // What admission returns may share parts with the stored object: it is copied.
    return prepareForUpdate(info, current, admitted, mode, owned && admitted === object);
  }

  validate(info: ResourceDefinition, object: Obj, current: Obj | undefined, context: RequestContext, subresource?: string): string[] {
    admitNodeRequest(context.user, { operation: current ? 'update' : 'create', info, object, ...(current ? { current } : {}), ...(subresource === undefined ? {} : { subresource }) });
    if (subresource === 'binding' || subresource === 'finalize') return [];
    const errors = info.validatesMetadata && !current ? [] : validateMetadata(info, object);
    if (errors.length > 0) throw invalidObject(info, object, errors);
    if (subresource === 'status') return [];
    return info.validate?.(object, current, { ...this.#context(context), ...(subresource === undefined ? {} : { subresource }) }) ?? [];
  }

  checkDelete(info: ResourceDefinition, object: Obj, context: RequestContext): void {
    admitNodeRequest(context.user, { operation: 'delete', info, object });
    info.checkDelete?.(object);
  }

  #context(request: RequestContext): StrategyContext {
    return {
      user: request.user, lookup: this.lookup, podsIn: this.podsIn, objectsIn: this.objectsIn, allowPrivileged: this.policy.allowPrivileged,
      ...(request.warnings ? { warnings: request.warnings } : {}),
      ...(this.services.listAll ? { listAll: this.services.listAll } : {}),
      ...(this.services.network ? { serviceNetwork: this.services.network } : {}),
    };
  }
}
