/**
 * The endpointslice mirroring controller: the Endpoints a user writes for a Service without a
 * selector are mirrored into an EndpointSlice (owned by the Endpoints, managed by
 * `endpointslicemirroring-controller.k8s.io`), as upstream's, so that `kubectl get
 * endpointslices` shows them too. Endpoints marked `endpointslice.kubernetes.io/skip-mirror`
 * (the `kubernetes` Service's) are not mirrored.
 */
import { semanticEqual } from '../../api/defaults/json.js';
import { metaOf, type Obj } from '../api/object-meta.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { ignoreGone } from './endpoints.js';
import { SERVICE_NAME_LABEL, SLICE_MANAGED_BY_LABEL } from './endpointslice.js';
import { selectorOf, TRIGGER_TIME_ANNOTATION } from './service-pods.js';
import { WorkQueue } from './work-queue.js';

export const MIRRORING_CONTROLLER = 'endpointslicemirroring-controller.k8s.io';
const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Address = { ip?: string; hostname?: string; nodeName?: string; targetRef?: Obj };
type Subset = { addresses?: Address[]; notReadyAddresses?: Address[]; ports?: { name?: string; port?: number; protocol?: string; appProtocol?: string }[] };

/** The slice contents of an Endpoints' subsets: one per subset's ports, IPv4 addresses only. */
export function mirroredSlices(subsets: readonly Subset[]): { endpoints: Obj[]; ports: Obj[] }[] {
  const groups = new Map<string, { endpoints: Obj[]; ports: Obj[] }>();
  for (const subset of subsets) {
    const ports: Obj[] = (subset.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    const key = JSON.stringify(ports);
    const group: { endpoints: Obj[]; ports: Obj[] } = groups.get(key) ?? { endpoints: [], ports };
    groups.set(key, group);
    const add = (address: Address, ready: boolean): void => {
      if (!address.ip || address.ip.includes(':')) return;
      group.endpoints.push({
        addresses: [address.ip], conditions: { ready },
        ...(address.hostname ? { hostname: address.hostname } : {}),
        ...(address.targetRef ? { targetRef: address.targetRef } : {}),
        ...(address.nodeName ? { nodeName: address.nodeName } : {}),
      });
    };
    for (const address of subset.addresses ?? []) add(address, true);
    for (const address of subset.notReadyAddresses ?? []) add(address, false);
  }
  return [...groups.values()].filter((g) => g.endpoints.length > 0);
}

export class EndpointSliceMirroringController implements Controller {
  readonly #queue: WorkQueue;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(private readonly context: ControllerContext) {
    this.#queue = new WorkQueue('endpointslice-mirroring', (key) => this.#sync(key), context.log, context.api.store);
  }

  start(): void {
    const { store } = this.context.api;
    const queue = (change: { key: { namespace: string; name: string } }): void => this.#queue.add(`${change.key.namespace}/${change.key.name}`);
    this.#unsubscribe.push(store.subscribe('endpoints', queue), store.subscribe('services', queue));
    this.#unsubscribe.push(store.subscribe('discovery.k8s.io/endpointslices', (change) => {
      const labels = metaOf(change.object).labels ?? {};
      if (labels[SLICE_MANAGED_BY_LABEL] === MIRRORING_CONTROLLER && labels[SERVICE_NAME_LABEL]) this.#queue.add(`${change.key.namespace}/${labels[SERVICE_NAME_LABEL]}`);
    }));
    for (const endpoints of this.context.api.list(resource('endpoints'), '').items) this.#queue.add(`${metaOf(endpoints).namespace ?? ''}/${metaOf(endpoints).name ?? ''}`);
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#queue.stop();
  }

  #sync(key: string): void {
    const [namespace = '', name = ''] = key.split('/');
    const { api } = this.context;
    const slices = resource('endpointslices', 'discovery.k8s.io');
    const existing = api.list(slices, namespace, { labelSelector: `${SERVICE_NAME_LABEL}=${name},${SLICE_MANAGED_BY_LABEL}=${MIRRORING_CONTROLLER}` }).items;
    const endpoints = api.find(resource('endpoints'), namespace, name);
    const service = api.find(resource('services'), namespace, name);
    const mirror = endpoints && service && !selectorOf(service) && metaOf(endpoints).labels?.[SKIP_MIRROR_LABEL] !== 'true' && metaOf(endpoints).deletionTimestamp === undefined;
    const wanted = mirror ? mirroredSlices((endpoints['subsets'] as Subset[] | undefined) ?? []) : [];
    const unused = [...existing];
    if (mirror) {
      const annotations = Object.fromEntries(Object.entries(metaOf(endpoints).annotations ?? {}).filter(([k]) => k !== LAST_APPLIED && k !== TRIGGER_TIME_ANNOTATION));
      const labels = { ...(metaOf(endpoints).labels ?? {}), [SERVICE_NAME_LABEL]: name, [SLICE_MANAGED_BY_LABEL]: MIRRORING_CONTROLLER };
      const owner = { apiVersion: 'v1', kind: 'Endpoints', name, uid: metaOf(endpoints).uid ?? '', controller: true, blockOwnerDeletion: true };
      for (const content of wanted) {
        const index = Math.max(unused.findIndex((s) => semanticEqual(s['ports'] ?? null, content.ports)), unused.length > 0 ? 0 : -1);
        const slice = index >= 0 ? unused.splice(index, 1)[0] : undefined;
        const ports = content.ports.length > 0 ? content.ports : null;
        const annotationsOrNone = Object.keys(annotations).length > 0 ? { annotations } : {};
        if (!slice) {
          ignoreGone(() => api.create(slices, namespace, {
            apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
            metadata: { generateName: `${name}-`, namespace, labels, ...annotationsOrNone, ownerReferences: [owner] },
            addressType: 'IPv4', endpoints: content.endpoints, ports,
          }, AS_CONTROLLER));
        } else if (!semanticEqual(slice['endpoints'], content.endpoints) || !semanticEqual(slice['ports'] ?? null, ports) || !semanticEqual(metaOf(slice).labels ?? {}, labels)) {
          api.mutate(slices, namespace, metaOf(slice).name ?? '', (latest) => ({ ...latest, metadata: { ...metaOf(latest), labels, ...annotationsOrNone }, endpoints: content.endpoints, ports }), AS_CONTROLLER);
        }
      }
    }
    for (const slice of unused) ignoreGone(() => api.delete(slices, namespace, metaOf(slice).name ?? '', {}, AS_CONTROLLER));
  }
}
