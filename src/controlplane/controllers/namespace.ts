/**
 * Namespaces: the four that every cluster has exist from the start, and a namespace being
 * deleted is emptied (each object deleted as a user would, pods gracefully) and then finalized.
 */
import { metaOf, type Obj } from '../api/object-meta.js';
import { resourceRegistry } from '../resources/index.js';
import { StatusError } from '../api/status-error.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { WorkQueue, type SyncResult } from './work-queue.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** How often a terminating namespace is checked again while objects remain (pods finishing). */
const RECHECK_MS = 1000;

export class NamespaceController implements Controller {
  readonly #queue: WorkQueue;
  #unsubscribe = (): void => {};

  constructor(private readonly context: ControllerContext) {
    this.#queue = new WorkQueue('namespace', (name) => this.#sync(name), context.log, context.api.store);
  }

  start(): void {
    const namespaces = resource('namespaces');
    for (const name of SYSTEM_NAMESPACES) {
      if (this.context.api.find(namespaces, '', name)) continue;
      this.context.api.create(namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, AS_CONTROLLER);
    }
    this.#unsubscribe = this.context.api.store.subscribe('namespaces', (change) => {
      if (metaOf(change.object).deletionTimestamp !== undefined && change.type !== 'DELETED') this.#queue.add(change.key.name);
    });
    for (const ns of this.context.api.list(namespaces, '').items) {
      if (metaOf(ns).deletionTimestamp !== undefined) this.#queue.add(metaOf(ns).name ?? '');
    }
  }

  stop(): void {
    this.#unsubscribe();
    this.#queue.stop();
  }

  #sync(name: string): SyncResult {
    const { api } = this.context;
    const namespaces = resource('namespaces');
    const namespace = api.find(namespaces, '', name);
    if (!namespace || metaOf(namespace).deletionTimestamp === undefined) return;
    let remaining = 0;
    for (const info of resourceRegistry.definitions) {
      if (!info.namespaced || !info.verbs.includes('delete')) continue;
      for (const item of api.list(info, name).items) {
        remaining++;
        if (metaOf(item).deletionTimestamp !== undefined) continue;
        try {
          api.delete(info, name, metaOf(item).name ?? '', { propagationPolicy: 'Background' }, AS_CONTROLLER);
        } catch (error) {
          if (!(error instanceof StatusError && error.code === 404)) throw error;
        }
      }
    }
    if (remaining > 0) return { requeueAfterMs: RECHECK_MS };
    api.mutate(namespaces, '', name, (current: Obj) => ({ ...current, spec: { ...(current['spec'] as Obj | undefined), finalizers: [] } }), AS_CONTROLLER, 'finalize');
    this.context.log('info', 'namespace finalized', { namespace: name });
  }
}
