/**
 * The generic registry: get, list, create, update, patch and delete of any served resource, with
 * kube-apiserver's order of steps (decode, default, admit, validate, store) and its errors. The
 * HTTP layer and the in-process controllers both go through it, so a controller's write is
 * defaulted, admitted and validated like a user's.
 */
import type { UserInfo } from '../auth/user.js';
import { cloneJson, semanticEqual } from '../../api/defaults/json.js';
import { decodePatch, PatchError, patchObject, patchStrictErrors } from '../patch/index.js';
import { storeResource, type ResourceDefinition } from '../resources/definition.js';
import { labelKey, ObjectExists, ObjectMissing, RevisionConflict, uidKey, type RowRange, type Store } from '../store/index.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { checkFieldSelector, matchesFields } from './field-sets.js';
import { ListStream } from './list-stream.js';
import { metaOf, withMeta, type Obj } from './object-meta.js';
import { matchesLabels, parseFieldSelector, parseLabelSelector, type FieldRequirement, type LabelSelector } from './selectors.js';
import { alreadyExists, badRequest, conflict, forbidden, keepingWarnings, notFound, resourceVersionRequired, StatusError } from './status-error.js';
import { planDeletion, type DeleteOptions } from './deletion.js';
import { decodePatched, decodeWrite, DEFAULT_FIELD_VALIDATION, statusOf, type FieldValidation } from './field-validation.js';
import type { Strategy } from './strategy.js';
import { applyDefaults } from './apply-defaults.js';
import { formatTimestamp } from './names.js';
import {
  APPLY_PATCH_YAML, ApplyConflicts, applyConfig, checkPatchOptions, conflictError, fieldTypesOf, managerOf, readApplyConfig, recordUpdate,
  type FieldOwner, type FieldWrite,
} from '../fieldmanager/index.js';
import { patchMediaType } from '../patch/media-types.js';
import { groupVersion, hasSubresource } from '../resources/definition.js';

export type { FieldValidation } from './field-validation.js';

export interface RequestContext {
  user: UserInfo;
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** The warnings of this request so far: steps before validation (a pod's AppArmor annotations) add theirs. */
  warnings?: string[];
  /** Who writes, for managedFields: the fieldManager option, the User-Agent, and an apply's force. */
  owner?: FieldOwner;
}

export interface Written {
  object: Obj;
  warnings: string[];
  /** An apply that created the object (201). */
  created?: boolean;
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  /**
   * For the controllers, not from requests: only objects that refer to this uid, as an owner or
   * (events) as their subject, read through the store's index of references.
   */
  referencing?: string;
}

export interface Listed {
  items: Obj[];
  revision: number;
  continue?: string;
  remainingItemCount?: number;
}

/** A parsed list/watch filter. */
export interface Filter {
  namespace: string;
  labels: LabelSelector;
  fields: FieldRequirement[];
}

const NAMESPACES: ResourceDefinition['resource'] = 'namespaces';

export class ObjectApi {
  constructor(
    readonly store: Store,
    readonly strategy: Strategy,
    readonly now: () => Date = () => new Date(),
  ) {}

  get(info: ResourceDefinition, namespace: string, name: string): Obj {
    const object = this.store.get({ resource: storeResource(info), namespace: scoped(info, namespace), name });
    if (!object) throw notFound(info, name);
    return object;
  }

  /** `get`, the object shared with other readers and deep-frozen (see `findShared`). */
  getShared(info: ResourceDefinition, namespace: string, name: string): Readonly<Obj> {
    const object = this.findShared(info, namespace, name);
    if (!object) throw notFound(info, name);
    return object;
  }

  /** Whether a write of the object (or its deletion) waits for its commit or flush (see Store.pendingWrite). */
  pendingWrite(info: ResourceDefinition, namespace: string, name: string): boolean {
    return this.store.pendingWrite({ resource: storeResource(info), namespace: scoped(info, namespace), name });
  }

  find(info: ResourceDefinition, namespace: string, name: string): Obj | undefined {
    return this.store.get({ resource: storeResource(info), namespace: scoped(info, namespace), name });
  }

  /** `find`, the object shared with other readers and deep-frozen: for a reader that changes nothing (copy it to change it). */
  findShared(info: ResourceDefinition, namespace: string, name: string): Readonly<Obj> | undefined {
    return this.store.getShared({ resource: storeResource(info), namespace: scoped(info, namespace), name });
  }

  filter(info: ResourceDefinition, namespace: string, query: ListQuery): Filter {
    const fields = parseFieldSelector(query.fieldSelector ?? '');
    checkFieldSelector(info, fields);
    return { namespace: scoped(info, namespace), labels: parseLabelSelector(query.labelSelector ?? ''), fields };
  }

  matches(info: ResourceDefinition, filter: Filter, object: Obj): boolean {
    const meta = metaOf(object);
    if (filter.namespace !== '' && meta.namespace !== filter.namespace) return false;
    return matchesLabels(filter.labels, meta.labels) && matchesFields(info, filter.fields, object);
  }

  /** Lists with selectors and `limit`/`continue` paging. */
  list(info: ResourceDefinition, namespace: string, query: ListQuery = {}, read: { shared?: boolean } = {}): Listed {
    const filter = this.filter(info, namespace, query);
    const resource = storeResource(info);
    let after = query.continue ? decodeContinue(query.continue) : undefined;
    const limit = query.limit && query.limit > 0 ? query.limit : 0;
    const items: Obj[] = [];
    const revision = this.store.revision;
    const containing = verbatimTexts(filter);
    const indexKey = query.referencing ? uidKey(query.referencing) : labelIndexKey(filter);
    const indexed = indexKey === undefined ? {} : { indexKey };
    // Selection happens after reading, so read in pages until the page is full.
    for (;;) {
      const page = this.store.list(resource, { namespace: filter.namespace, ...(after ? { after } : {}), limit: limit > 0 ? Math.max(limit, 100) : 0, containing, ...indexed, ...(read.shared ? { shared: true } : {}) });
      for (const item of page.items) {
        after = { namespace: metaOf(item).namespace ?? '', name: metaOf(item).name ?? '' };
        if (!this.matches(info, filter, item)) continue;
        items.push(item);
        if (limit > 0 && items.length === limit) {
          const rest = this.store.list(resource, { namespace: filter.namespace, after, limit: 1 });
          if (rest.items.length === 0) return { items, revision };
          return { items, revision, continue: encodeContinue(after, revision) };
        }
      }
      if (!page.more) return { items, revision };
    }
  }

  /**
   * Opens a list to send as it is read: in pieces, from one store snapshot, with selectors and
   * `limit`/`continue` paging as `list` (see `ListStream`).
   */
  openList(info: ResourceDefinition, namespace: string, query: ListQuery = {}, objects = false): Promise<ListStream> {
    return this.openStream(info, this.filter(info, namespace, query), query, objects);
  }

  /**
   * `openList` with a parsed filter (what a watch's initial list uses). `objects`: the reader
   * uses every item's object, not only its text (see `ListStreamOptions.objects`).
   */
  openStream(info: ResourceDefinition, filter: Filter, page: Pick<ListQuery, 'limit' | 'continue'> = {}, objects = false): Promise<ListStream> {
    // A name selector narrows the read itself: a watch on one object reads one row.
    const named = filter.fields.filter((f) => f.field === 'metadata.name' && f.op === '=');
    const byName = named.length === 1 && filter.fields.length === 1;
    const range: RowRange = {
      namespace: filter.namespace,
      ...(byName ? { name: named[0]!.value } : {}),
      ...(page.continue ? { after: decodeContinue(page.continue) } : {}),
    };
    const selective = filter.labels.length > 0 || (filter.fields.length > 0 && !byName);
    return ListStream.open(this.store, storeResource(info), {
      range, limit: page.limit && page.limit > 0 ? page.limit : 0, objects,
      ...(selective ? { match: (object: Obj) => this.matches(info, filter, object) } : {}),
    });
  }

  /**
   * Creates an object in `namespace` (ignored for cluster-scoped resources).
   * @throws StatusError carrying the warnings recorded before the failure, as a write's do
   */
  create(info: ResourceDefinition, namespace: string, body: unknown, context: RequestContext): Written {
    const warnings: string[] = [];
    return keepingWarnings(warnings, () => this.#create(info, namespace, body, context, warnings));
  }

  #create(info: ResourceDefinition, namespace: string, body: unknown, context: RequestContext, warnings: string[], applied = false): Written {
    let object = decodeWrite(info, body, context.fieldValidation ?? DEFAULT_FIELD_VALIDATION, warnings);
    const meta = metaOf(object);
    const ns = scoped(info, namespace);
    if (info.namespaced) {
      if (meta.namespace && meta.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      this.#requireLiveNamespace(ns, info, meta.name ?? meta.generateName ?? '');
    }
    object = withMeta(object, { namespace: info.namespaced ? ns : undefined });
    if (!applied) object = recordUpdate(this.#fieldWrite(info, context, ''), undefined, applyDefaults(info, object));
    const recording = { ...context, warnings };
    try {
      // Defaulted above into a copy of its own; an applied configuration's object is not.
      object = this.strategy.prepareForCreate(info, object, recording, !applied);
      warnings.push(...this.strategy.validate(info, object, undefined, recording));
    } catch (error) {
      if (error instanceof StatusError) error.warnings.unshift(...warnings);
      throw error;
    }
    const name = metaOf(object).name ?? '';
    // A dry run answers as the create would: an object of that name is already there.
    if (context.dryRun && this.store.get({ resource: storeResource(info), namespace: ns, name })) throw alreadyExists(info, name);
    if (context.dryRun) return { object, warnings };
    try {
      return { object: this.store.create({ resource: storeResource(info), namespace: ns, name }, object), warnings };
    } catch (error) {
      if (error instanceof ObjectExists) throw alreadyExists(info, name);
      throw error;
    }
  }

  /** Replaces an object (PUT), or its status with `subresource: 'status'`. @throws StatusError with warnings, as `create` */
  update(info: ResourceDefinition, namespace: string, name: string, body: unknown, context: RequestContext, subresource?: string): Written {
    const warnings: string[] = [];
    return keepingWarnings(warnings, () => this.#update(info, namespace, name, body, context, warnings, subresource));
  }

  #update(info: ResourceDefinition, namespace: string, name: string, body: unknown, context: RequestContext, warnings: string[], subresource?: string): Written {
    const object = decodeWrite(info, body, context.fieldValidation ?? DEFAULT_FIELD_VALIDATION, warnings);
    const meta = metaOf(object);
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    const ns = scoped(info, namespace);
    if (info.namespaced && meta.namespace && meta.namespace !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    return this.#replace(info, ns, name, (current) => {
      checkResourceVersion(info, name, object, current);
      return object;
    }, context, warnings, subresource);
  }

  /**
   * Applies a JSON, merge or strategic merge patch, and decodes the result as any write's body
   * (strict errors of the patch body first, then those of the patched object; a 422 under
   * fieldValidation=Strict, as kube-apiserver's patch handler answers).
   * @throws StatusError with warnings, as `create`
   */
  patch(info: ResourceDefinition, namespace: string, name: string, contentType: string, patch: unknown, context: RequestContext, subresource?: string): Written {
    const warnings: string[] = [];
    const ns = scoped(info, namespace);
    const validation = context.fieldValidation ?? DEFAULT_FIELD_VALIDATION;
    const apply = patchMediaType(contentType) === APPLY_PATCH_YAML;
    checkPatchOptions(apply, context.owner ?? {});
    if (apply) return keepingWarnings(warnings, () => this.#apply(info, ns, name, patch, context, warnings, subresource));
    return keepingWarnings(warnings, () => {
      const body = patchStep(() => decodePatch(contentType, info.patchMeta, patch));
      const patchErrors = validation === 'Ignore' ? [] : patchStrictErrors(contentType, body);
      return this.#replace(info, ns, name, (current) => {
        const patched = patchStep(() => patchObject(contentType, info.patchMeta, info.present ? info.present(current) : current, body));
        const decoded = decodePatched(info, patched, patchErrors, validation, warnings);
        const patchedMeta = metaOf(decoded);
        if (patchedMeta.name !== name) throw badRequest(`the name of the object (${patchedMeta.name ?? ''}) does not match the name on the URL (${name})`);
        // A patch that changes or removes the resourceVersion makes it a precondition, as a PUT's.
        checkResourceVersion(info, name, decoded, current);
        return decoded;
      }, context, warnings, subresource);
    });
  }

  /**
   * Changes an object with `change` (from the current object, a copy of its own, to the new one),
   * retrying on conflicts with concurrent writers: what the controllers use. Returns the object
   * written, or the current one when `change` gives nothing; either is shared, and frozen. With
   * `read.shared`, `change` gets the shared object itself, frozen, and builds the new one beside it
   * (no copy of the whole object made for it).
   */
  mutate(info: ResourceDefinition, namespace: string, name: string, change: (current: Obj) => Obj | undefined, context: RequestContext, subresource?: string, read: { shared?: boolean } = {}): Obj | undefined {
    for (let attempt = 0; ; attempt++) {
      const current = this.findShared(info, namespace, name);
      if (!current) return undefined;
      const next = change(read.shared ? current : cloneJson(current));
      if (!next) return current;
      try {
        return this.#replace(info, scoped(info, namespace), name, (latest) => {
          if (metaOf(latest).resourceVersion !== metaOf(current).resourceVersion) throw conflict(info, name);
          return next;
        }, context, [], subresource).object;
      } catch (error) {
        if (error instanceof StatusError && error.code === 409 && attempt < 5) continue;
        throw error;
      }
    }
  }

  /** Deletes, gracefully for pods, through finalizers when there are any. */
  delete(info: ResourceDefinition, namespace: string, name: string, options: DeleteOptions, context: RequestContext): Written & { removed: boolean } {
    const ns = scoped(info, namespace);
    const key = { resource: storeResource(info), namespace: ns, name };
    for (let attempt = 0; ; attempt++) {
      const current = this.store.get(key);
      if (!current) throw notFound(info, name);
      const meta = metaOf(current);
      if (options.preconditions?.uid && options.preconditions.uid !== meta.uid) {
        throw conflict(info, name, `Precondition failed: UID in precondition: ${options.preconditions.uid}, UID in object meta: ${meta.uid ?? ''}`);
      }
      if (options.preconditions?.resourceVersion && options.preconditions.resourceVersion !== meta.resourceVersion) {
        throw conflict(info, name, `Precondition failed: ResourceVersion in precondition: ${options.preconditions.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`);
      }
      this.strategy.checkDelete(info, current, context);
      const plan = planDeletion(info, current, options, this.now());
      if (context.dryRun) return { object: plan.object ?? current, warnings: [], removed: plan.remove };
      try {
        if (plan.remove) {
          const last = plan.object ? this.store.update(key, plan.object, Number(meta.resourceVersion)) : current;
          return { object: this.store.delete(key, Number(metaOf(last).resourceVersion)), warnings: [], removed: true };
        }
        if (plan.object === undefined) return { object: current, warnings: [], removed: false };
        return { object: this.store.update(key, plan.object, Number(meta.resourceVersion)), warnings: [], removed: false };
      } catch (error) {
        if (error instanceof RevisionConflict && attempt < 5) continue;
        if (error instanceof ObjectMissing) throw notFound(info, name);
        throw error;
      }
    }
  }

  /**
   * Server-side apply: the configuration merged into the object by its kind's schema (or the
   * object created from it), with the manager's ownership and the conflicts with other managers.
   */
  #apply(info: ResourceDefinition, ns: string, name: string, body: unknown, context: RequestContext, warnings: string[], subresource?: string): Written {
    const types = fieldTypesOf(info);
    const raw = body instanceof Uint8Array || typeof body === 'string' ? body : JSON.stringify(body);
    const config = readApplyConfig(raw, { apiVersion: groupVersion(info), kind: info.kind, name, namespace: ns, types });
    const write = this.#fieldWrite(info, context, subresource ?? '');
    const force = context.owner?.force ?? false;
    const applying = (current: Obj | undefined): Obj => {
      try {
        return applyConfig(write, current, config, force).object;
      } catch (error) {
        if (error instanceof ApplyConflicts) throw conflictError(error.conflicts);
        throw error;
      }
    };
    if (!this.find(info, ns, name)) {
      if (subresource !== undefined) throw notFound(info, name);
      return { ...this.#create(info, ns, applying(undefined), context, warnings, true), created: true };
    }
    return this.#replace(info, ns, name, (current) => {
      const applied = decodeWrite(info, applying(current), context.fieldValidation ?? DEFAULT_FIELD_VALIDATION, warnings);
      checkResourceVersion(info, name, applied, current);
      return applied;
    }, context, warnings, subresource, true);
  }

  /** What the field manager is told of a write. */
  #fieldWrite(info: ResourceDefinition, context: RequestContext, subresource: string): FieldWrite {
    const main = subresource === '' || subresource === 'ephemeralcontainers';
    const ignored = subresource === 'status' ? [['f:spec']] : main && hasSubresource(info, 'status') ? [['f:status']] : [];
    return {
      types: fieldTypesOf(info), manager: managerOf(context.owner ?? {}, ''), apiVersion: groupVersion(info),
      subresource: subresource === 'status' || subresource === 'scale' || subresource === 'ephemeralcontainers' ? subresource : '', now: formatTimestamp(this.now()), ignored,
    };
  }

  #replace(
    info: ResourceDefinition, ns: string, name: string, build: (current: Obj) => Obj, context: RequestContext, warnings: string[], subresource?: string, applied = false,
  ): Written {
    const key = { resource: storeResource(info), namespace: ns, name };
    // Shared and frozen: the build, the field manager, prepareForUpdate and validate read it and change nothing.
    const current = this.store.getShared(key);
    if (!current) throw notFound(info, name);
    // As kube-apiserver's BeforeUpdate: an object without a namespace takes the request's (and a
    // cluster-scoped one has none), so a PUT or patch that leaves it out keeps the object in place.
    let object = withMeta(build(current), { namespace: info.namespaced ? ns : undefined });
    // Bindings and namespace finalizations are the registry's own writes, which upstream's field manager does not see.
    const recorded = !applied && subresource !== 'binding' && subresource !== 'finalize';
    if (recorded) object = recordUpdate(this.#fieldWrite(info, context, subresource ?? ''), current, applyDefaults(info, object));
    // A recorded object was defaulted into a copy of its own.
    object = this.strategy.prepareForUpdate(info, object, current, context, subresource, recorded);
    warnings.push(...this.strategy.validate(info, object, current, context, subresource));
    const meta = metaOf(object);
    // An update that drops the last finalizer of an object being deleted completes the deletion.
    const finished = meta.deletionTimestamp !== undefined && (meta.finalizers ?? []).length === 0 && (meta.deletionGracePeriodSeconds ?? 0) === 0;
    if (context.dryRun) return { object, warnings };
    // As etcd3's GuaranteedUpdate: a write that changes nothing is skipped, so the object keeps its
    // resourceVersion, no watch sees it, and kubectl says "patched (no change)".
    if (!finished && unchanged(object, current)) return { object: current, warnings };
    try {
      const revision = Number(metaOf(current).resourceVersion);
      const stored = finished ? this.store.delete(key, revision) : this.store.update(key, object, revision);
      return { object: finished ? withMeta(object, { resourceVersion: metaOf(stored).resourceVersion }) : stored, warnings };
    } catch (error) {
      if (error instanceof RevisionConflict) throw conflict(info, name);
      if (error instanceof ObjectMissing) throw notFound(info, name);
      throw error;
    }
  }

  #requireLiveNamespace(namespace: string, info: ResourceDefinition, name: string): void {
    const ns = this.store.getShared({ resource: NAMESPACES, namespace: '', name: namespace });
    if (!ns) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    if (metaOf(ns).deletionTimestamp) {
      throw forbidden(info, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }
}

/**
 * The registry's precondition on the object an update or a patch makes, as kube-apiserver's
 * store checks it: its resourceVersion must be the stored one (409); without one (or "0") it
 * replaces whatever is stored, unless the resource requires one (422).
 */
function checkResourceVersion(info: ResourceDefinition, name: string, object: Obj, current: Obj): void {
  const wanted = metaOf(object).resourceVersion;
  if (wanted === undefined || wanted === '' || Number(wanted) === 0) {
    if (info.requireResourceVersion) throw resourceVersionRequired(info, name);
    return;
  }
  if (metaOf(current).resourceVersion !== String(Number(wanted))) throw conflict(info, name);
}

/** Runs a step of the patch module, turning its PatchError into the StatusError it describes. */
function patchStep<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof PatchError) throw statusOf(error);
    throw error;
  }
}

/** Whether an update leaves the stored object as it is (its resourceVersion aside, which the store sets). */
function unchanged(object: Obj, current: Obj): boolean {
  return semanticEqual(withMeta(object, { resourceVersion: undefined }), withMeta(current, { resourceVersion: undefined }));
}

/** The namespace part of a key: '' for cluster-scoped resources. */
function scoped(info: ResourceDefinition, namespace: string): string {
  return info.namespaced ? namespace : '';
}

/**
 * Texts any object the filter selects holds verbatim in its stored JSON: the value of each label
 * requirement `key=value` (label values are letters, digits, `-`, `_` and `.`, which JSON never
 * escapes). Field values are left out: some fields have defaults that the stored text lacks.
 */
/** The index key of a label selector's first `key=value` requirement: the objects that can match are read through the store's index. */
function labelIndexKey(filter: Filter): string | undefined {
  for (const r of filter.labels) {
    if (r.op === 'in' && r.values.length === 1) return labelKey(r.key, r.values[0]!);
  }
  return undefined;
}

function verbatimTexts(filter: Filter): string[] {
  return filter.labels.flatMap((r) => (r.op === 'in' && r.values.length === 1 && /^[A-Za-z0-9._-]+$/.test(r.values[0]!) ? [r.values[0]!] : []));
}
