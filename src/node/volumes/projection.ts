/**
 * The files of the API-backed volumes, as the kubelet projects them: configMap and secret keys
 * (all, or the listed `items` with their paths and modes), downwardAPI fields, and projected
 * volumes that combine these with a service-account token.
 */
import type { V1ConfigMap, V1DownwardAPIVolumeFile, V1KeyToPath, V1Pod, V1Volume } from '@kubernetes/client-node';
import { fieldValue, resourceValue } from '../../runtime/command.js';
import { safeRelativePath, type Projected } from './atomic-writer.js';

/** What projections read from the API server. */
export interface ProjectionSources {
  configMap(name: string): Promise<V1ConfigMap | undefined>;
  /** A Secret's keys, decoded (see api-objects.ts). */
  secret(name: string): Promise<ReadonlyMap<string, Buffer> | undefined>;
  /** A token for the pod's service account, bound to the pod. */
  token(audience: string | undefined, expirationSeconds: number): Promise<string>;
}

/** A volume that cannot be set up now (the kubelet's FailedMount), with the kubelet's wording. */
export class VolumeSetupError extends Error {}

const DEFAULT_MODE = 0o644;

/** Whether this volume is one the node agent writes from the API server. */
export function isApiVolume(volume: V1Volume): boolean {
  return Boolean(volume.configMap ?? volume.secret ?? volume.downwardAPI ?? volume.projected);
}

function addFile(files: Map<string, Projected>, path: string, content: Buffer, mode: number, volume: string): void {
  const safe = safeRelativePath(path);
  if (safe === undefined) throw new VolumeSetupError(`volume "${volume}": path "${path}" must be relative and may not contain '..'`);
  files.set(safe, { content, mode });
}

/** Keys (all, or `items`) to files; a listed key that is missing fails unless the source is optional. */
function keysToFiles(files: Map<string, Projected>, data: ReadonlyMap<string, Buffer>, items: readonly V1KeyToPath[] | undefined, mode: number, optional: boolean, missingKey: (key: string) => string, volume: string): void {
  if (!items || items.length === 0) {
    for (const [key, content] of data) addFile(files, key, content, mode, volume);
    return;
  }
  for (const item of items) {
    const content = data.get(item.key);
    if (content === undefined) {
      if (optional) continue;
      throw new VolumeSetupError(missingKey(item.key));
    }
    addFile(files, item.path, content, item.mode ?? mode, volume);
  }
}

async function configMapData(name: string, optional: boolean, sources: ProjectionSources): Promise<Map<string, Buffer> | undefined> {
  const configMap = await sources.configMap(name);
  if (!configMap) {
    if (optional) return undefined;
    throw new VolumeSetupError(`configmap "${name}" not found`);
  }
  const data = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(configMap.data ?? {})) data.set(key, Buffer.from(value));
  for (const [key, value] of Object.entries((configMap.binaryData ?? {}) as Record<string, string>)) data.set(key, Buffer.from(value, 'base64'));
  return data;
}

async function secretData(name: string, optional: boolean, sources: ProjectionSources): Promise<ReadonlyMap<string, Buffer> | undefined> {
  const secret = await sources.secret(name);
  if (!secret) {
    if (optional) return undefined;
    throw new VolumeSetupError(`secret "${name}" not found`);
  }
  return secret;
}

/** `key="value"` lines, sorted by key, as the kubelet formats labels and annotations. */
function formatMap(map: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${JSON.stringify(map?.[key] ?? '')}`)
    .join('\n');
}

function downwardFile(pod: V1Pod, item: V1DownwardAPIVolumeFile, hostIP: string, volume: string): Buffer {
  if (item.fieldRef) {
    if (item.fieldRef.fieldPath === 'metadata.labels') return Buffer.from(formatMap(pod.metadata?.labels));
    if (item.fieldRef.fieldPath === 'metadata.annotations') return Buffer.from(formatMap(pod.metadata?.annotations));
    try {
      return Buffer.from(fieldValue(pod, item.fieldRef.fieldPath, hostIP));
    } catch {
      throw new VolumeSetupError(`volume "${volume}": fieldRef.fieldPath "${item.fieldRef.fieldPath}" is not supported: use metadata.name, metadata.namespace, metadata.uid, metadata.labels or metadata.annotations (whole or ['key'])`);
    }
  }
  if (item.resourceFieldRef) {
    const name = item.resourceFieldRef.containerName;
    const container = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name);
    if (!container) throw new VolumeSetupError(`volume "${volume}": resourceFieldRef names container "${name ?? ''}", which the pod does not have`);
    const divisor = item.resourceFieldRef.divisor;
    return Buffer.from(resourceValue(container, item.resourceFieldRef.resource, divisor, `volume "${volume}"`));
  }
  return Buffer.alloc(0);
}

/**
 * The files of one API-backed volume, or undefined for the other kinds (hostPath, emptyDir).
 * @throws VolumeSetupError when a source it needs is missing
 */
export async function projectVolume(pod: V1Pod, volume: V1Volume, sources: ProjectionSources, hostIP: string): Promise<Map<string, Projected> | undefined> {
  const files = new Map<string, Projected>();
  const namespace = pod.metadata?.namespace ?? 'default';
  if (volume.configMap) {
    const source = volume.configMap;
    const data = await configMapData(source.name ?? '', source.optional === true, sources);
    if (data) keysToFiles(files, data, source.items, source.defaultMode ?? DEFAULT_MODE, source.optional === true, (key) => `configmap references non-existent config key: ${key}`, volume.name);
    return files;
  }
  if (volume.secret) {
    const source = volume.secret;
    const data = await secretData(source.secretName ?? '', source.optional === true, sources);
    if (data) keysToFiles(files, data, source.items, source.defaultMode ?? DEFAULT_MODE, source.optional === true, (key) => `references non-existent secret key: ${key}`, volume.name);
    return files;
  }
  if (volume.downwardAPI) {
    const mode = volume.downwardAPI.defaultMode ?? DEFAULT_MODE;
    for (const item of volume.downwardAPI.items ?? []) addFile(files, item.path, downwardFile(pod, item, hostIP, volume.name), item.mode ?? mode, volume.name);
    return files;
  }
  if (volume.projected) {
    const mode = volume.projected.defaultMode ?? DEFAULT_MODE;
    for (const source of volume.projected.sources ?? []) {
      if (source.configMap) {
        const ref = source.configMap;
        const data = await configMapData(ref.name ?? '', ref.optional === true, sources);
        if (data) keysToFiles(files, data, ref.items, mode, ref.optional === true, (key) => `configmap references non-existent config key: ${key}`, volume.name);
      } else if (source.secret) {
        const ref = source.secret;
        const data = await secretData(ref.name ?? '', ref.optional === true, sources);
        if (data) keysToFiles(files, data, ref.items, mode, ref.optional === true, (key) => `references non-existent secret key: ${key}`, volume.name);
      } else if (source.downwardAPI) {
        for (const item of source.downwardAPI.items ?? []) addFile(files, item.path, downwardFile(pod, item, hostIP, volume.name), item.mode ?? mode, volume.name);
      } else if (source.serviceAccountToken) {
        const token = source.serviceAccountToken;
        const content = await sources.token(token.audience, token.expirationSeconds ?? 3600);
        // With the volume's mode, 0644 in the default kube-api-access volume: every account the pod may run as can read it.
        addFile(files, token.path, Buffer.from(content), mode, volume.name);
      } else {
        const kind = Object.keys(source)[0] ?? 'unknown';
        throw new VolumeSetupError(`volume "${volume.name}" of pod ${namespace}/${pod.metadata?.name ?? ''}: projected source ${kind} is not supported by hostpod`);
      }
    }
    return files;
  }
  return undefined;
}
