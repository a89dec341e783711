/**
 * A pod's API-backed volumes on disk: written before its containers start and rewritten on each
 * sync, so ConfigMap and Secret changes reach running containers and the service-account token
 * is replaced before it expires (at 80% of its lifetime, or after 24 hours, as the kubelet does).
 */
import type { V1Pod, V1Volume } from '@kubernetes/client-node';
import { join } from 'node:path';
import type { KubeClient } from '../kube-client/client.js';
import { writeAtomically } from './atomic-writer.js';
import { isApiVolume, projectVolume, type ProjectionSources } from './projection.js';
import { ApiObjectSource } from '../api-objects.js';

interface CachedToken {
  token: string;
  refreshAt: number;
}

const KIND_DIRS = { configMap: 'kubernetes.io~configmap', secret: 'kubernetes.io~secret', downwardAPI: 'kubernetes.io~downward-api', projected: 'kubernetes.io~projected' } as const;

function kindDir(volume: V1Volume): string {
  if (volume.configMap) return KIND_DIRS.configMap;
  if (volume.secret) return KIND_DIRS.secret;
  if (volume.downwardAPI) return KIND_DIRS.downwardAPI;
  return KIND_DIRS.projected;
}

export class PodVolumes {
  readonly #tokens = new Map<string, CachedToken>();

  constructor(
    private readonly client: KubeClient,
    private readonly podDir: string,
    private readonly hostIP: string,
    private readonly now: () => number = Date.now,
    /** Where ConfigMaps and Secrets come from (the node's watched objects; else read from the API each sync). */
    private readonly objects: ApiObjectSource = new ApiObjectSource(client),
  ) {}

  /**
   * Writes every configMap, secret, downwardAPI and projected volume of the pod.
   * @returns the directory of each, by volume name
   * @throws VolumeSetupError (or ApiError) when one cannot be set up; the others are written
   */
  async sync(pod: V1Pod): Promise<Map<string, string>> {
    const dirs = new Map<string, string>();
    const sources = this.#sources(pod);
    let failure: Error | undefined;
    for (const volume of pod.spec?.volumes ?? []) {
      if (!isApiVolume(volume)) continue;
      try {
        const files = await projectVolume(pod, volume, sources, this.hostIP);
        if (!files) continue;
        const dir = join(this.podDir, 'volumes', kindDir(volume), volume.name);
        writeAtomically(dir, files);
        dirs.set(volume.name, dir);
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error(String(error));
      }
    }
    if (failure !== undefined) throw failure;
    return dirs;
  }

  #sources(pod: V1Pod): ProjectionSources {
    const namespace = pod.metadata?.namespace ?? 'default';
    const uid = pod.metadata?.uid ?? '';
    return {
      configMap: (name) => this.objects.configMap(namespace, name, uid),
      // A Secret without data is an empty volume, not a missing one.
      secret: (name) => this.objects.secret(namespace, name, uid),
      token: (audience, expirationSeconds) => this.#token(pod, audience, expirationSeconds),
    };
  }

  async #token(pod: V1Pod, audience: string | undefined, expirationSeconds: number): Promise<string> {
    const account = pod.spec?.serviceAccountName ?? 'default';
    const key = `${account}/${audience ?? ''}/${expirationSeconds}`;
    const cached = this.#tokens.get(key);
    if (cached && this.now() < cached.refreshAt) return cached.token;
    const namespace = pod.metadata?.namespace ?? 'default';
    const response = await this.client.create<{ status?: { token?: string; expirationTimestamp?: string } }>(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(account)}/token`,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: audience ? [audience] : [],
          expirationSeconds,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, uid: pod.metadata?.uid },
        },
      },
    );
    const token = response.status?.token ?? '';
    const issued = this.now();
    const expires = Date.parse(response.status?.expirationTimestamp ?? '') || issued + expirationSeconds * 1000;
    const lifetime = expires - issued;
    this.#tokens.set(key, { token, refreshAt: issued + Math.min(lifetime * 0.8, 24 * 3600 * 1000) });
    return token;
  }
}
