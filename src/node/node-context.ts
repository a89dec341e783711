/** What a node agent's pod workers share: the API client, the runtime, and the node's services. */
import type { V1Pod } from '@kubernetes/client-node';
import type { ContainerRuntime, MountMode } from '../runtime/index.js';
import type { EventRecorder } from './events.js';
import type { ImagePuller } from './image-puller.js';
import type { KubeClient } from './kube-client/client.js';
import type { RestartBackoff } from './restart-backoff.js';
import type { WatchedObjects } from './volumes/watched-objects.js';

export interface NodeContext {
  client: KubeClient;
  runtime: ContainerRuntime;
  images: ImagePuller;
  events: EventRecorder;
  backoff: RestartBackoff;
  nodeName: string;
  hostIP: string;
  mountMode: MountMode;
  /** The ConfigMaps and Secrets of the node's pods' volumes and environments, watched. */
  objects: WatchedObjects;
  /** KUBERNETES_SERVICE_HOST and the like, for every container. */
  serviceEnv: Readonly<Record<string, string>>;
  /**
   * How often a pod's API-backed volumes are rewritten: ConfigMap and Secret changes, token
   * refresh (the kubelet's syncFrequency, --sync-frequency).
   */
  syncFrequencyMs: number;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/** The kubelet's default syncFrequency: a minute. */
export const DEFAULT_SYNC_FREQUENCY_MS = 60_000;

export function podRef(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}

/** The kubelet's `name_namespace(uid)`. */
export function podFullName(pod: V1Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? 'default'}(${pod.metadata?.uid ?? ''})`;
}
