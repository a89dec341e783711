/**
 * Per namespace: the `default` service account, and the `kube-root-ca.crt` ConfigMap that holds
 * the cluster CA (what the projected service-account volume mounts as `ca.crt`).
 */
import { metaOf } from '../api/object-meta.js';
import { StatusError } from '../api/status-error.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { WorkQueue } from './work-queue.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export class ServiceAccountController implements Controller {
  readonly #queue: WorkQueue;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(private readonly context: ControllerContext) {
    this.#queue = new WorkQueue('serviceaccount', (ns) => this.#sync(ns), context.log, context.api.store);
  }

  start(): void {
    const { store } = this.context.api;
    this.#unsubscribe.push(store.subscribe('namespaces', (change) => {
      if (change.type !== 'DELETED') this.#queue.add(change.key.name);
    }));
    // Someone deleted the default account or the CA map: put it back.
    this.#unsubscribe.push(store.subscribe('serviceaccounts', (change) => {
      if (change.type === 'DELETED' && change.key.name === 'default') this.#queue.add(change.key.namespace);
    }));
    this.#unsubscribe.push(store.subscribe('configmaps', (change) => {
      if (change.key.name === ROOT_CA_CONFIGMAP && change.type !== 'ADDED') this.#queue.add(change.key.namespace);
    }));
    for (const ns of this.context.api.list(resource('namespaces'), '').items) this.#queue.add(metaOf(ns).name ?? '');
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#queue.stop();
  }

  #sync(namespace: string): void {
    const { api, caCertificate } = this.context;
    const ns = api.find(resource('namespaces'), '', namespace);
    if (!ns || metaOf(ns).deletionTimestamp !== undefined) return;
    const accounts = resource('serviceaccounts');
    if (!api.find(accounts, namespace, 'default')) {
      ignoreRaces(() => api.create(accounts, namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }, AS_CONTROLLER));
    }
    const configMaps = resource('configmaps');
    const current = api.find(configMaps, namespace, ROOT_CA_CONFIGMAP);
    const data = { 'ca.crt': caCertificate };
    if (!current) {
      ignoreRaces(() => api.create(configMaps, namespace, {
        apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data,
      }, AS_CONTROLLER));
    } else if (JSON.stringify(current['data']) !== JSON.stringify(data)) {
      api.mutate(configMaps, namespace, ROOT_CA_CONFIGMAP, (c) => ({ ...c, data }), AS_CONTROLLER);
    }
  }
}

/** A create that lost a race with another creator (409), or with the namespace's deletion (403/404), is fine. */
function ignoreRaces(create: () => unknown): void {
  try {
    create();
  } catch (error) {
    if (error instanceof StatusError && [403, 404, 409].includes(error.code)) return;
    throw error;
  }
}
