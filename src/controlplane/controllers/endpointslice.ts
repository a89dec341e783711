/**
 * The endpointslice controller: for each Service with a selector, EndpointSlices (IPv4, named
 * `SERVICE-xxxxx`, owned by the Service) holding the pods it selects, each endpoint with its
 * ready, serving and terminating conditions, as upstream's endpointslice controller keeps them.
 * A Service whose pods have no address gets one empty slice (no endpoints, no ports), as
 * upstream's placeholder. The slices go with the Service.
 */
import { semanticEqual } from '../../api/defaults/json.js';
import { metaOf } from '../api/object-meta.js';
import { sliceContents } from '../services/service-endpoints.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { ignoreGone } from './endpoints.js';
import { endpointLabels, queueServicesOfPod, selectedPods, selectorOf, TriggerTimeTracker, withTriggerTime } from './service-pods.js';
import { WorkQueue } from './work-queue.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const SLICE_MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const SLICE_CONTROLLER = 'endpointslice-controller.k8s.io';

function slices(): ReturnType<typeof resource> {
  return resource('endpointslices', 'discovery.k8s.io');
}

export class EndpointSliceController implements Controller {
  readonly #queue: WorkQueue;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #triggers = new TriggerTimeTracker();

  constructor(private readonly context: ControllerContext) {
    this.#queue = new WorkQueue('endpointslice', (key) => this.#sync(key), context.log, context.api.store);
  }

  start(): void {
    const { store } = this.context.api;
    this.#unsubscribe.push(store.subscribe('services', (change) => this.#queue.add(`${change.key.namespace}/${change.key.name}`)));
    this.#unsubscribe.push(store.subscribe('pods', (change) => queueServicesOfPod(this.context, this.#queue, change)));
    // A pod's Node coming or going moves it in or out of the slices (and its zone with it).
    this.#unsubscribe.push(store.subscribe('nodes', (change) => {
      if (change.type !== 'MODIFIED' || JSON.stringify(metaOf(change.object).labels) !== JSON.stringify(change.previous ? metaOf(change.previous).labels : undefined)) this.#enqueueAll();
    }));
    // A slice changed or deleted by someone else is put back.
    this.#unsubscribe.push(store.subscribe('discovery.k8s.io/endpointslices', (change) => {
      const labels = metaOf(change.object).labels ?? {};
      if (labels[SLICE_MANAGED_BY_LABEL] === SLICE_CONTROLLER && labels[SERVICE_NAME_LABEL]) this.#queue.add(`${change.key.namespace}/${labels[SERVICE_NAME_LABEL]}`);
    }));
    this.#enqueueAll();
  }

  #enqueueAll(): void {
    for (const service of this.context.api.list(resource('services'), '').items) this.#queue.add(`${metaOf(service).namespace ?? ''}/${metaOf(service).name ?? ''}`);
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#queue.stop();
  }

  #sync(key: string): void {
    const [namespace = '', name = ''] = key.split('/');
    const { api } = this.context;
    const existing = api.list(slices(), namespace, { labelSelector: `${SERVICE_NAME_LABEL}=${name},${SLICE_MANAGED_BY_LABEL}=${SLICE_CONTROLLER}` }).items;
    const service = api.find(resource('services'), namespace, name);
    const selector = service ? selectorOf(service) : undefined;
    if (!service) this.#triggers.forget(namespace, name);
    if (!service || metaOf(service).deletionTimestamp !== undefined || !selector || (service['spec'] as { type?: string } | undefined)?.type === 'ExternalName') {
      if (!service || !selector) for (const slice of existing) ignoreGone(() => api.delete(slices(), namespace, metaOf(slice).name ?? '', {}, AS_CONTROLLER));
      return;
    }
    const pods = selectedPods(this.context, service, selector);
    const triggerTime = this.#triggers.compute(service, pods);
    const wanted = sliceContents(service, pods, (node) => (node === '' ? undefined : api.find(resource('nodes'), '', node)));
    if (wanted.length === 0) wanted.push({ endpoints: [], ports: [] });
    const labels = endpointLabels(service, { [SERVICE_NAME_LABEL]: name, [SLICE_MANAGED_BY_LABEL]: SLICE_CONTROLLER });
    const meta = metaOf(service);
    const owner = { apiVersion: 'v1', kind: 'Service', name, uid: meta.uid ?? '', controller: true, blockOwnerDeletion: true };
    const unused = [...existing];
    for (const content of wanted) {
      const endpoints = content.endpoints.length > 0 ? content.endpoints : null;
      const ports = content.ports.length > 0 ? content.ports : null;
      // Reuse a slice with the same ports, else any left over.
      const index = Math.max(unused.findIndex((s) => semanticEqual(s['ports'] ?? null, ports)), unused.length > 0 ? 0 : -1);
      const slice = index >= 0 ? unused.splice(index, 1)[0] : undefined;
      if (slice && semanticEqual(slice['endpoints'] ?? null, endpoints) && semanticEqual(slice['ports'] ?? null, ports) && semanticEqual(metaOf(slice).labels ?? {}, labels)) continue;
      const annotations = withTriggerTime(slice ? metaOf(slice).annotations : undefined, triggerTime);
      const annotated = Object.keys(annotations).length > 0 ? { annotations } : { annotations: undefined };
      if (!slice) {
        ignoreGone(() => api.create(slices(), namespace, {
          apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
          metadata: { generateName: `${name}-`, namespace, labels, ...annotated, ownerReferences: [owner] },
          addressType: 'IPv4', endpoints, ports,
        }, AS_CONTROLLER));
      } else {
        api.mutate(slices(), namespace, metaOf(slice).name ?? '', (latest) => ({ ...latest, metadata: { ...metaOf(latest), labels, ...annotated }, endpoints, ports }), AS_CONTROLLER);
      }
    }
    for (const slice of unused) ignoreGone(() => api.delete(slices(), namespace, metaOf(slice).name ?? '', {}, AS_CONTROLLER));
  }
}
