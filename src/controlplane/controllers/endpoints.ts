/**
 * The endpoints controller: for each Service with a selector, an Endpoints object of the same
 * name holding the addresses of the pods it selects (ready ones as `addresses`, the others as
 * `notReadyAddresses`), as upstream's endpoints controller keeps it; the Endpoints go when the
 * Service goes. Services without a selector keep the Endpoints their users write.
 */
import { semanticEqual } from '../../api/defaults/json.js';
import { metaOf, type Obj } from '../api/object-meta.js';
import { StatusError } from '../api/status-error.js';
import { endpointSubsets } from '../services/service-endpoints.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { endpointLabels, queueServicesOfPod, selectedPods, selectorOf, TriggerTimeTracker, withTriggerTime } from './service-pods.js';
import { WorkQueue } from './work-queue.js';

export const ENDPOINTS_MANAGED_BY_LABEL = 'endpoints.kubernetes.io/managed-by';

export class EndpointsController implements Controller {
  readonly #queue: WorkQueue;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #triggers = new TriggerTimeTracker();

  constructor(private readonly context: ControllerContext) {
    this.#queue = new WorkQueue('endpoints', (key) => this.#sync(key), context.log, context.api.store);
  }

  start(): void {
    const { store } = this.context.api;
    this.#unsubscribe.push(store.subscribe('services', (change) => this.#queue.add(`${change.key.namespace}/${change.key.name}`)));
    this.#unsubscribe.push(store.subscribe('pods', (change) => queueServicesOfPod(this.context, this.#queue, change)));
    for (const service of this.context.api.list(resource('services'), '').items) this.#queue.add(`${metaOf(service).namespace ?? ''}/${metaOf(service).name ?? ''}`);
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#queue.stop();
  }

  #sync(key: string): void {
    const [namespace = '', name = ''] = key.split('/');
    const { api } = this.context;
    const endpoints = resource('endpoints');
    const service = api.find(resource('services'), namespace, name);
    const current = api.find(endpoints, namespace, name);
    if (!service || metaOf(service).deletionTimestamp !== undefined) {
      this.#triggers.forget(namespace, name);
      if (current) ignoreGone(() => api.delete(endpoints, namespace, name, {}, AS_CONTROLLER));
      return;
    }
    const selector = selectorOf(service);
    if (!selector || (service['spec'] as { type?: string } | undefined)?.type === 'ExternalName') return;
    const pods = selectedPods(this.context, service, selector);
    const subsets = endpointSubsets(service, pods);
    const triggerTime = this.#triggers.compute(service, pods);
    const labels = endpointLabels(service, { [ENDPOINTS_MANAGED_BY_LABEL]: 'endpoint-controller' });
    if (current && semanticEqual(current['subsets'] ?? [], subsets) && semanticEqual(metaOf(current).labels ?? {}, labels)) return;
    const body = (base: Obj): Obj => {
      const annotations = withTriggerTime(metaOf(base).annotations, triggerTime);
      const next: Obj = { ...base, metadata: { ...metaOf(base), labels, ...(Object.keys(annotations).length > 0 ? { annotations } : { annotations: undefined }) } };
      if (subsets.length > 0) next['subsets'] = subsets;
      else delete next['subsets'];
      return next;
    };
    if (!current) {
      ignoreGone(() => api.create(endpoints, namespace, body({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace } }), AS_CONTROLLER));
    } else {
      api.mutate(endpoints, namespace, name, (latest) => body(latest), AS_CONTROLLER);
    }
  }
}

/** A write that lost a race with a deletion (of the namespace or the object) is fine: the next event syncs again. */
export function ignoreGone(write: () => unknown): void {
  try {
    write();
  } catch (error) {
    if (error instanceof StatusError && [403, 404, 409].includes(error.code)) return;
    throw error;
  }
}
