/**
 * The garbage collector: dependents follow their owners (ownerReferences). When an owner is gone,
 * dependents with no other living owner are deleted (background propagation). An owner with the
 * `orphan` finalizer first has its dependents' references removed; one with `foregroundDeletion`
 * first has its dependents deleted, and goes only once none that block it remain.
 */
import { metaOf, type Obj, type OwnerReference } from '../api/object-meta.js';
import { resourceRegistry, storeResource, type ResourceDefinition } from '../resources/index.js';
import { StatusError } from '../api/status-error.js';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../api/deletion.js';
import { AS_CONTROLLER, type Controller, type ControllerContext } from './context.js';
import { WorkQueue, type SyncResult } from './work-queue.js';

/**
 * Resources that can be owners or dependents: everything served that can be deleted, custom
 * resources included, each stored resource once (a custom resource may be served in several versions).
 */
function managed(): ResourceDefinition[] {
  const byStore = new Map<string, ResourceDefinition>();
  for (const r of resourceRegistry.definitions) if (r.verbs.includes('delete') && !byStore.has(storeResource(r))) byStore.set(storeResource(r), r);
  return [...byStore.values()];
}

/** How often an owner waiting for its foreground dependents is checked again. */
const FOREGROUND_RECHECK_MS = 500;

export class GarbageCollector implements Controller {
  readonly #queue: WorkQueue;
  readonly #unsubscribe: (() => void)[] = [];
  /** The store resources watched, so that a custom resource served later is watched too. */
  readonly #watched = new Map<string, () => void>();

  constructor(private readonly context: ControllerContext) {
    this.#queue = new WorkQueue('garbage-collector', (key) => this.#sync(key), context.log, context.api.store);
  }

  start(): void {
    this.#watch();
    // Custom resources come and go with their definitions: watch the new ones, and look again.
    this.#unsubscribe.push(resourceRegistry.onChange(() => {
      this.#watch();
      this.#queue.add('dangling');
    }));
    // What a crash left: dependents of owners that are already gone, owners still finalizing.
    this.#queue.add('dangling');
    for (const info of managed()) {
      for (const object of this.context.api.list(info, '').items) {
        const meta = metaOf(object);
        if (meta.deletionTimestamp !== undefined && (meta.finalizers ?? []).length > 0) {
          this.#queue.add(`owner ${info.group}/${info.resource}/${meta.namespace ?? ''}/${meta.name ?? ''}`);
        }
      }
    }
  }

  #watch(): void {
    for (const info of managed()) {
      if (this.#watched.has(storeResource(info))) continue;
      this.#watched.set(storeResource(info), this.context.api.store.subscribe(storeResource(info), (change) => {
        const meta = metaOf(change.object);
        // An owner went away: look at everything that might depend on it.
        if (change.type === 'DELETED') this.#queue.add('dangling');
        // An owner waits for the collector (orphan or foreground finalizer).
        else if (meta.deletionTimestamp !== undefined && (meta.finalizers ?? []).some((f) => f === ORPHAN_FINALIZER || f === FOREGROUND_FINALIZER)) {
          this.#queue.add(`owner ${info.group}/${info.resource}/${meta.namespace ?? ''}/${meta.name ?? ''}`);
        }
      }));
    }
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    for (const u of this.#watched.values()) u();
    this.#watched.clear();
    this.#queue.stop();
  }

  #sync(key: string): SyncResult {
    if (key === 'dangling') return this.#collectDangling();
    const [, group = '', resourceName = '', namespace = '', name = ''] = /^owner ([^/]*)\/([^/]*)\/([^/]*)\/(.*)$/.exec(key) ?? [];
    const info = managed().find((r) => r.group === group && r.resource === resourceName);
    if (!info) return;
    return this.#finalizeOwner(info, namespace, name);
  }

  /** Deletes dependents none of whose owners exist any more; drops references to gone owners otherwise. */
  #collectDangling(): void {
    const { api } = this.context;
    const live = this.#liveUids();
    for (const info of managed()) {
      for (const object of api.list(info, '').items) {
        const refs = metaOf(object).ownerReferences ?? [];
        if (refs.length === 0) continue;
        const living = refs.filter((r) => live.has(r.uid));
        if (living.length === refs.length) continue;
        const meta = metaOf(object);
        if (living.length === 0) {
          if (meta.deletionTimestamp === undefined) this.#delete(info, object);
        } else {
          this.#setOwners(info, object, living);
        }
      }
    }
  }

  #finalizeOwner(info: ResourceDefinition, namespace: string, name: string): SyncResult {
    const { api } = this.context;
    const owner = api.find(info, namespace, name);
    if (!owner) return;
    const meta = metaOf(owner);
    const finalizers = meta.finalizers ?? [];
    const dependents = this.#dependentsOf(meta.uid ?? '');
    if (finalizers.includes(ORPHAN_FINALIZER)) {
      for (const { info: depInfo, object } of dependents) {
        this.#setOwners(depInfo, object, (metaOf(object).ownerReferences ?? []).filter((r) => r.uid !== meta.uid));
      }
      this.#removeFinalizer(info, owner, ORPHAN_FINALIZER);
      return;
    }
    if (finalizers.includes(FOREGROUND_FINALIZER)) {
      for (const { info: depInfo, object } of dependents) {
        if (metaOf(object).deletionTimestamp === undefined) this.#delete(depInfo, object, 'Foreground');
      }
      const blocking = dependents.filter(({ object }) => (metaOf(object).ownerReferences ?? []).some((r) => r.uid === meta.uid && r.blockOwnerDeletion));
      if (blocking.length > 0) return { requeueAfterMs: FOREGROUND_RECHECK_MS };
      this.#removeFinalizer(info, owner, FOREGROUND_FINALIZER);
    }
  }

  #dependentsOf(uid: string): { info: ResourceDefinition; object: Obj }[] {
    const found: { info: ResourceDefinition; object: Obj }[] = [];
    for (const info of managed()) {
      for (const object of this.context.api.list(info, '').items) {
        if ((metaOf(object).ownerReferences ?? []).some((r) => r.uid === uid)) found.push({ info, object });
      }
    }
    return found;
  }

  #liveUids(): Set<string> {
    const uids = new Set<string>();
    for (const info of managed()) for (const object of this.context.api.list(info, '').items) uids.add(metaOf(object).uid ?? '');
    return uids;
  }

  #delete(info: ResourceDefinition, object: Obj, policy: 'Background' | 'Foreground' = 'Background'): void {
    const meta = metaOf(object);
    try {
      this.context.api.delete(info, meta.namespace ?? '', meta.name ?? '', { propagationPolicy: policy, preconditions: { uid: meta.uid ?? '' } }, AS_CONTROLLER);
    } catch (error) {
      if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
    }
  }

  #setOwners(info: ResourceDefinition, object: Obj, owners: OwnerReference[]): void {
    const meta = metaOf(object);
    this.context.api.mutate(info, meta.namespace ?? '', meta.name ?? '', (current) => {
      const metadata = { ...metaOf(current) };
      if (owners.length > 0) metadata.ownerReferences = owners;
      else delete metadata.ownerReferences;
      return { ...current, metadata };
    }, AS_CONTROLLER);
  }

  #removeFinalizer(info: ResourceDefinition, owner: Obj, finalizer: string): void {
    const meta = metaOf(owner);
    this.context.api.mutate(info, meta.namespace ?? '', meta.name ?? '', (current) => {
      const metadata = { ...metaOf(current) };
      const rest = (metadata.finalizers ?? []).filter((f) => f !== finalizer);
      if (rest.length > 0) metadata.finalizers = rest;
      else delete metadata.finalizers;
      return { ...current, metadata };
    }, AS_CONTROLLER);
  }
}
