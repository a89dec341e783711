/**
 * The one source of the ConfigMaps and Secrets a pod uses, for its volumes and its containers'
 * environment alike, decoded in one place: read through the node's watched objects (one watch per
 * object, shared by the node's pods, as the kubelet's configmap and secret managers), or straight
 * from the API where there is no watch (single-pod tools and tests).
 */
import type { V1ConfigMap, V1Container, V1Pod } from '@kubernetes/client-node';
import type { ApiObjects } from '../runtime/command.js';
import type { KubeClient } from './kube-client/client.js';
import type { ObjectResource, WatchedObjects } from './volumes/watched-objects.js';

export class ApiObjectSource {
  constructor(
    private readonly client: KubeClient,
    private readonly watched?: WatchedObjects,
  ) {}

  /** A ConfigMap, as the API has it; undefined when it does not exist. `holder` keeps it watched until released. */
  configMap(namespace: string, name: string, holder: string): Promise<V1ConfigMap | undefined> {
    return this.#read<V1ConfigMap>('configmaps', namespace, name, holder);
  }

  /** A Secret's keys, decoded from base64; a Secret without data has none. Undefined when it does not exist. */
  async secret(namespace: string, name: string, holder: string): Promise<Map<string, Buffer> | undefined> {
    const secret = await this.#read<{ data?: Record<string, string> }>('secrets', namespace, name, holder);
    if (!secret) return undefined;
    return new Map(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]));
  }

  /**
   * What a container's environment reads (envFrom and valueFrom refs), fetched before it starts:
   * a ConfigMap's `data` (the kubelet reads no binaryData into variables), a Secret's keys as text.
   */
  async environment(pod: V1Pod, container: V1Container, serviceEnv: Readonly<Record<string, string>>): Promise<ApiObjects> {
    const namespace = pod.metadata?.namespace ?? 'default';
    const holder = pod.metadata?.uid ?? '';
    const configMaps = new Map<string, Record<string, string> | undefined>();
    const secrets = new Map<string, Record<string, string> | undefined>();
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef?.name) configMaps.set(source.configMapRef.name, undefined);
      if (source.secretRef?.name) secrets.set(source.secretRef.name, undefined);
    }
    for (const variable of container.env ?? []) {
      if (variable.valueFrom?.configMapKeyRef?.name) configMaps.set(variable.valueFrom.configMapKeyRef.name, undefined);
      if (variable.valueFrom?.secretKeyRef?.name) secrets.set(variable.valueFrom.secretKeyRef.name, undefined);
    }
    for (const name of configMaps.keys()) {
      const configMap = await this.configMap(namespace, name, holder);
      configMaps.set(name, configMap ? (configMap.data ?? {}) : undefined);
    }
    for (const name of secrets.keys()) {
      const secret = await this.secret(namespace, name, holder);
      secrets.set(name, secret ? Object.fromEntries([...secret].map(([key, value]) => [key, value.toString()])) : undefined);
    }
    return { configMap: (name) => configMaps.get(name), secret: (name) => secrets.get(name), serviceEnv };
  }

  #read<T>(resource: ObjectResource, namespace: string, name: string, holder: string): Promise<T | undefined> {
    if (this.watched) return this.watched.get<T>(resource, namespace, name, holder);
    return this.client.find<T>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/${resource}/${encodeURIComponent(name)}`);
  }
}
