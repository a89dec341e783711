/**
 * Defaults of a Pod object: everything a PodSpec gets, plus what only a Pod gets (SetDefaults_Pod)
 * and what the v1 conversion does to a pod's metadata, grace period and status.
 */
import { defaultPointer, ensureObject, isJsonObject, objectAt, objectsAt, stringAt, type JsonObject } from './json.js';
import { defaultPodLevelResources, defaultRequestsFromLimits } from './pod-resources.js';
import { defaultPodSpec, dropInitContainerAnnotations } from './pod-spec-defaults.js';

/** Mutates `pod` in place with the API server's defaults. */
export function defaultPod(pod: JsonObject): void {
  const metadata = objectAt(pod, 'metadata');
  if (metadata) dropInitContainerAnnotations(metadata);
  const spec = ensureObject(pod, 'spec');
  defaultRequestsFromLimits(spec);
  defaultPodLevelResources(spec);
  defaultPointer(spec, 'enableServiceLinks', true);
  if (spec['hostNetwork'] === true) {
    for (const container of [...objectsAt(spec, 'containers'), ...objectsAt(spec, 'initContainers')]) defaultHostPorts(container);
  }
  defaultPodSpec(spec);
  // The v1 conversion forces a Pod's negative grace period to 1 (not a template's, which only warns).
  const grace = spec['terminationGracePeriodSeconds'];
  if ((typeof grace === 'number' || typeof grace === 'bigint') && grace < 0) spec['terminationGracePeriodSeconds'] = 1;
  // PodStatus is a struct value: a pod always has a status, if only {}.
  const status = ensureObject(pod, 'status');
  syncPrimaryIP(status, 'podIP', 'podIPs');
  syncPrimaryIP(status, 'hostIP', 'hostIPs');
}

// With host networking every container port is a host port.
function defaultHostPorts(container: JsonObject): void {
  for (const port of objectsAt(container, 'ports')) {
    const hostPort = port['hostPort'];
    if ((hostPort === undefined || hostPort === null || hostPort === 0) && typeof port['containerPort'] === 'number') {
      port['hostPort'] = port['containerPort'];
    }
  }
}

// The internal type keeps only the list: the singular field, when it disagrees with the list or
// the list is empty, replaces the list, and is then written back as the list's first entry.
function syncPrimaryIP(status: JsonObject, singular: string, plural: string): void {
  const primary = stringAt(status, singular) ?? '';
  const list = Array.isArray(status[plural]) ? (status[plural] as unknown[]) : [];
  const first = list[0];
  const firstIP = isJsonObject(first) ? stringAt(first, 'ip') ?? '' : '';
  if (primary !== '' && (list.length === 0 || primary !== firstIP)) status[plural] = [{ ip: primary }];
  else if (firstIP !== '') status[singular] = firstIP;
}
