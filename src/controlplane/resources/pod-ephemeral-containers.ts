/**
 * `pods/ephemeralcontainers` (kube-apiserver's podEphemeralContainersStrategy): an update through
 * it changes `spec.ephemeralContainers` and nothing else, is validated as
 * ValidatePodEphemeralContainersUpdate validates it, and goes through Pod Security as any pod
 * whose containers change (an added ephemeral container is a significant update there).
 */
import type { V1PodSpec } from '@kubernetes/client-node';
import { cloneJson, ensureObject, objectAt, type JsonObject } from '../../api/defaults/json.js';
import { validateEphemeralContainersUpdate } from '../../policy/validation/index.js';
import { podSecurityInNamespace } from '../admission/pod-security.js';
import { metaOf, type Obj } from '../api/object-meta.js';
import { invalidObject } from '../api/status-error.js';
import type { ResourceDefinition, StrategyContext } from './definition.js';

/**
 * dropNonEphemeralContainerUpdates: the stored pod, with the update's ephemeral containers and
 * resourceVersion (and the managed fields the field manager recorded for the write). Any other
 * change in the body is dropped, not refused, as upstream drops it.
 */
export function keepOnlyEphemeralContainers(stored: JsonObject, updated: JsonObject): void {
  const ephemeral = objectAt(updated, 'spec')?.['ephemeralContainers'];
  // In place: the generic preparation goes on writing to `updated` and its metadata object.
  const metadata = ensureObject(updated, 'metadata');
  const { metadata: storedMeta, ...rest } = cloneJson(stored);
  const keptMeta: JsonObject = { ...(storedMeta as JsonObject | undefined) };
  for (const key of ['resourceVersion', 'managedFields']) {
    if (metadata[key] === undefined) delete keptMeta[key];
    else keptMeta[key] = metadata[key];
  }
  for (const key of Object.keys(metadata)) delete metadata[key];
  Object.assign(metadata, keptMeta);
  for (const key of Object.keys(updated)) if (key !== 'metadata') delete updated[key];
  Object.assign(updated, rest);
  const spec = ensureObject(updated, 'spec');
  if (ephemeral === undefined || ephemeral === null) delete spec['ephemeralContainers'];
  else spec['ephemeralContainers'] = ephemeral;
}

/**
 * The validation of an update through `pods/ephemeralcontainers`, then Pod Security.
 * @returns warnings @throws StatusError 422 for an invalid change, 403 when Pod Security denies it
 */
export function validateEphemeralContainers(info: ResourceDefinition, pod: Obj, current: Obj, context: StrategyContext): string[] {
  const errors = validateEphemeralContainersUpdate((pod['spec'] ?? {}) as V1PodSpec, (current['spec'] ?? {}) as V1PodSpec, {
    allowPrivileged: context.allowPrivileged ?? true,
    podName: metaOf(pod).name ?? '',
  });
  if (errors.length > 0) throw invalidObject(info, pod, errors);
  return podSecurityInNamespace(info, pod, context);
}
