/**
 * The `kubernetes` Service in `default`, as kube-apiserver's own controller keeps it: the service
 * range's first address, port 443 named https, targeting the API server's port; and, when the API
 * server's address may be an endpoint (not loopback), the Endpoints and EndpointSlice that point
 * at it. An API server on loopback gets none, as a real one advertising 127.0.0.1 (its endpoint
 * reconciler's writes are refused). Deleted or changed, they are put back.
 */
import { semanticEqual } from '../../api/defaults/json.js';
import { metaOf, type Obj } from '../api/object-meta.js';
import { endpointIPProblems } from '../services/endpoints-validation.js';
import { kubernetesServiceIP, type ServiceNetwork } from '../services/service-network.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { ignoreGone } from './endpoints.js';
import { SERVICE_NAME_LABEL } from './endpointslice.js';
import { WorkQueue } from './work-queue.js';

const NAMESPACE = 'default';
const NAME = 'kubernetes';
const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';

export interface ApiServerEndpoint {
  /** The address clients reach the API server at (what kube-apiserver's --advertise-address says). */
  address: string;
  port: number;
}

export class KubernetesServiceController implements Controller {
  readonly #queue: WorkQueue;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(private readonly context: ControllerContext, private readonly network: ServiceNetwork, private readonly endpoint: ApiServerEndpoint) {
    this.#queue = new WorkQueue('kubernetes-service', () => this.#sync(), context.log, context.api.store);
  }

  start(): void {
    const { store } = this.context.api;
    const mine = (change: { key: { namespace: string; name: string } }): void => {
      if (change.key.namespace === NAMESPACE && change.key.name === NAME) this.#queue.add(NAME);
    };
    this.#unsubscribe.push(store.subscribe('services', mine), store.subscribe('endpoints', mine), store.subscribe('discovery.k8s.io/endpointslices', mine));
    this.#unsubscribe.push(store.subscribe('namespaces', (change) => {
      if (change.key.name === NAMESPACE) this.#queue.add(NAME);
    }));
    this.#queue.add(NAME);
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#queue.stop();
  }

  #sync(): void {
    const { api } = this.context;
    const ns = api.find(resource('namespaces'), '', NAMESPACE);
    if (!ns || metaOf(ns).deletionTimestamp !== undefined) return;
    const ports = [{ name: 'https', port: 443, protocol: 'TCP', targetPort: this.endpoint.port }];
    const services = resource('services');
    const service = api.find(services, NAMESPACE, NAME);
    if (!service) {
      ignoreGone(() => api.create(services, NAMESPACE, {
        apiVersion: 'v1', kind: 'Service', metadata: { name: NAME, labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { type: 'ClusterIP', clusterIP: kubernetesServiceIP(this.network), ports, sessionAffinity: 'None' },
      }, AS_CONTROLLER));
    } else if (!semanticEqual((service['spec'] as Obj | undefined)?.['ports'], ports)) {
      api.mutate(services, NAMESPACE, NAME, (s) => ({ ...s, spec: { ...(s['spec'] as Obj), ports } }), AS_CONTROLLER);
    }
    if (endpointIPProblems(this.endpoint.address).length > 0) return;
    const endpointPorts = [{ name: 'https', port: this.endpoint.port, protocol: 'TCP' }];
    this.#ensure(resource('endpoints'), {
      apiVersion: 'v1', kind: 'Endpoints', metadata: { name: NAME, labels: { [SKIP_MIRROR_LABEL]: 'true' } },
      subsets: [{ addresses: [{ ip: this.endpoint.address }], ports: endpointPorts }],
    }, ['subsets']);
    this.#ensure(resource('endpointslices', 'discovery.k8s.io'), {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: NAME, labels: { [SERVICE_NAME_LABEL]: NAME } },
      addressType: 'IPv4', endpoints: [{ addresses: [this.endpoint.address], conditions: { ready: true } }], ports: endpointPorts,
    }, ['endpoints', 'ports']);
  }

  /** Creates the object, or puts back the fields that differ. */
  #ensure(info: ReturnType<typeof resource>, wanted: Obj, fields: string[]): void {
    const { api } = this.context;
    const current = api.find(info, NAMESPACE, NAME);
    if (!current) {
      ignoreGone(() => api.create(info, NAMESPACE, wanted, AS_CONTROLLER));
      return;
    }
    if (fields.every((f) => semanticEqual(current[f], wanted[f]))) return;
    api.mutate(info, NAMESPACE, NAME, (latest) => ({ ...latest, ...Object.fromEntries(fields.map((f) => [f, wanted[f]])) }), AS_CONTROLLER);
  }
}
