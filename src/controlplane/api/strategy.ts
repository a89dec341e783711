/**
 * What differs per resource between the generic steps of the registry: defaults and admission
 * mutations on create, what an update may change (main resource vs. status), validation and
 * admission, and which objects may not be deleted. kube-apiserver keeps these in one
 * "strategy" per resource; here they are dispatched on the resource.
 */
import { FieldPath, invalid } from '../../policy/field.js';
import type { UserInfo } from '../auth/user.js';
import { admitPodUpdate, prepareForCreate, prepareForUpdate, semanticEqual } from '../defaults/index.js';
import { admitPodSecurity, existingPodsWarnings, invalidObject, validateNamespaceLabels, validateWorkload } from './admission.js';
import { validateMetadata } from './metadata-validation.js';
import { admitNodeRequest } from './node-restriction.js';
import { metaOf, type Obj, type ObjectLookup } from './object-meta.js';
import type { RequestContext } from './object-api.js';
import { mutatePodOnCreate } from './pod-admission.js';
import { checkPodUpdate } from './pod-update.js';
import { kindKey, type ResourceInfo } from './resources.js';
import { forbidden, StatusError } from './status-error.js';
import { validateConfigMap, validateSecret } from './data-validation.js';

export interface Strategy {
  prepareForCreate(info: ResourceInfo, object: Obj, context: RequestContext): Obj;
  prepareForUpdate(info: ResourceInfo, object: Obj, current: Obj, context: RequestContext, subresource?: string): Obj;
  /** @returns warnings @throws StatusError */
  validate(info: ResourceInfo, object: Obj, current: Obj | undefined, context: RequestContext, subresource?: string): string[];
  checkDelete(info: ResourceInfo, object: Obj, context: RequestContext): void;
}

/** Namespaces the API server refuses to delete (NamespaceLifecycle admission). */
const UNDELETABLE_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export class ResourceStrategy implements Strategy {
  constructor(
    private readonly lookup: ObjectLookup,
    private readonly now: () => Date,
    /** The pods of a namespace, for Pod Security's warnings when its enforce level changes. */
    private readonly podsIn: (namespace: string) => Obj[] = () => [],
  ) {}

  prepareForCreate(info: ResourceInfo, object: Obj, context: RequestContext): Obj {
    let prepared = prepareForCreate(kindKey(info), object, this.now());
    if (info.resource === 'pods') prepared = mutatePodOnCreate(prepared, this.lookup, context.user);
    return prepared;
  }

  prepareForUpdate(info: ResourceInfo, object: Obj, current: Obj, _context: RequestContext, subresource?: string): Obj {
    if (subresource === 'binding') {
      // Binding is the registry's own write: it sets spec.nodeName and the PodScheduled condition.
      return { ...object, metadata: { ...metaOf(current), resourceVersion: metaOf(object).resourceVersion } };
    }
    const mode = subresource === 'status' || subresource === 'finalize' ? subresource : '';
    // Admission runs before the generation is decided, so fields it restores are no spec change.
    const admitted = info.resource === 'pods' && mode === '' ? admitPodUpdate(current, object) : object;
    return prepareForUpdate(kindKey(info), current, admitted, mode);
  }

  validate(info: ResourceInfo, object: Obj, current: Obj | undefined, context: RequestContext, subresource?: string): string[] {
    admitNodeRequest(context.user, { operation: current ? 'update' : 'create', info, object, ...(current ? { current } : {}), ...(subresource === undefined ? {} : { subresource }) });
    if (subresource === 'binding' || subresource === 'finalize') return [];
    const errors = validateMetadata(info, object);
    if (errors.length > 0) throw invalidObject(info, object, errors);
    if (subresource === 'status') return [];
    const warnings: string[] = [];
    switch (info.resource) {
      case 'pods':
        if (current) {
          checkPodUpdate(info, object, current);
          if (!semanticEqual(object['spec'], current['spec'])) warnings.push(...this.#podSecurity(info, object, context.user));
        } else {
          warnings.push(...validateWorkload(info, object));
          warnings.push(...this.#podSecurity(info, object, context.user));
        }
        break;
      case 'daemonsets':
        warnings.push(...validateWorkload(info, object));
        if (current && !semanticEqual((object['spec'] as Obj | undefined)?.['selector'], (current['spec'] as Obj | undefined)?.['selector'])) {
          throw invalidObject(info, object, [invalid(FieldPath.root('spec').child('selector'), (object['spec'] as Obj)['selector'], 'field is immutable')]);
        }
        warnings.push(...this.#podSecurity(info, object, context.user));
        break;
      case 'namespaces':
        validateNamespaceLabels(info, object);
        if (current) warnings.push(...existingPodsWarnings(object, current, this.podsIn));
        break;
      case 'secrets':
        validateSecret(info, object);
        break;
      case 'configmaps':
        validateConfigMap(info, object);
        break;
    }
    return warnings;
  }

  checkDelete(info: ResourceInfo, object: Obj, context: RequestContext): void {
    admitNodeRequest(context.user, { operation: 'delete', info, object });
    const name = metaOf(object).name ?? '';
    if (info.resource === 'namespaces' && UNDELETABLE_NAMESPACES.has(name)) {
      throw forbidden(info, name, 'this namespace may not be deleted');
    }
  }

  #podSecurity(info: ResourceInfo, object: Obj, user: UserInfo): string[] {
    const namespace = this.lookup('namespaces', '', metaOf(object).namespace ?? '');
    if (!namespace) throw new StatusError(404, 'NotFound', `namespaces "${metaOf(object).namespace ?? ''}" not found`);
    return admitPodSecurity(info, object, metaOf(namespace).labels ?? {}, user);
  }
}
