/**
 * A pod's QoS class, computed as the API server does when it creates the pod (ComputePodQOS):
 * from the pod-level resources when they set CPU or memory, else from the regular and init
 * containers. Only CPU and memory count, and only quantities above zero.
 */
import { isJsonObject, objectAt, objectsAt, type JsonObject } from './json.js';
import { isPodLevelResource } from './pod-resources.js';
import { exactQuantity } from './quantities.js';

export type PodQOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const QOS_RESOURCES = ['cpu', 'memory'];

/** The QoS class of a (defaulted) pod spec. */
export function podQOSClass(spec: JsonObject): PodQOSClass {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  const podLevel = objectAt(spec, 'resources');
  if (podLevel && hasPodLevelResources(podLevel)) {
    addPositive(requests, listAt(podLevel, 'requests'));
    const found = addPositive(limits, listAt(podLevel, 'limits'));
    if (Object.keys(listAt(podLevel, 'limits')).length > 0 && !QOS_RESOURCES.every((name) => found.has(name))) guaranteed = false;
  } else {
    // Ephemeral containers cannot set resources, so they never count.
    for (const container of [...objectsAt(spec, 'containers'), ...objectsAt(spec, 'initContainers')]) {
      const resources = objectAt(container, 'resources') ?? {};
      addPositive(requests, listAt(resources, 'requests'));
      const found = addPositive(limits, listAt(resources, 'limits'));
      if (!QOS_RESOURCES.every((name) => found.has(name))) guaranteed = false;
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, request] of requests) {
      if (limits.get(name) !== request) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

function hasPodLevelResources(resources: JsonObject): boolean {
  return [...Object.keys(listAt(resources, 'requests')), ...Object.keys(listAt(resources, 'limits'))].some(isPodLevelResource);
}

function listAt(parent: JsonObject, key: string): JsonObject {
  const list = parent[key];
  return isJsonObject(list) ? list : {};
}

/** Adds the positive CPU and memory quantities of `list` to `totals`; returns the names it added. */
function addPositive(totals: Map<string, bigint>, list: JsonObject): Set<string> {
  const found = new Set<string>();
  for (const [name, value] of Object.entries(list)) {
    if (!QOS_RESOURCES.includes(name)) continue;
    const quantity = exactQuantity(value);
    if (!quantity || quantity.nanos <= 0n) continue;
    found.add(name);
    totals.set(name, (totals.get(name) ?? 0n) + quantity.nanos);
  }
  return found;
}
