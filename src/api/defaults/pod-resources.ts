/**
 * Resource defaults that only a Pod gets (not a pod template): container requests copied from
 * limits, and the pod-level requests and limits derived from the containers' (PodLevelResources).
 */
import { isJsonObject, objectAt, objectsAt, type JsonObject } from './json.js';
import { exactQuantity, formatQuantity, type ExactQuantity } from './quantities.js';

type ResourceTotals = Map<string, ExactQuantity>;

/** Requests default to limits, resource by resource, for regular and init containers. */
export function defaultRequestsFromLimits(spec: JsonObject): void {
  for (const container of [...objectsAt(spec, 'containers'), ...objectsAt(spec, 'initContainers')]) {
    const resources = objectAt(container, 'resources');
    const limits = resources && objectAt(resources, 'limits');
    if (!resources || !limits) continue;
    const requests = objectAt(resources, 'requests') ?? {};
    for (const [name, value] of Object.entries(limits)) if (!(name in requests)) requests[name] = value;
    if (Object.keys(requests).length > 0) resources['requests'] = requests;
  }
}

/** The pod-level resource defaults of KEP-2837, applied only when `spec.resources` is partly set. */
export function defaultPodLevelResources(spec: JsonObject): void {
  const resources = objectAt(spec, 'resources');
  if (!resources) return;
  defaultHugePageLimits(spec, resources);
  defaultPodRequests(spec, resources);
  defaultPodLimits(spec, resources);
}

/** The resources a pod as a whole needs: regular and sidecar containers add up, init containers take the maximum. */
export function aggregateContainerResources(spec: JsonObject, field: 'requests' | 'limits'): ResourceTotals {
  const total: ResourceTotals = new Map();
  for (const container of objectsAt(spec, 'containers')) add(total, resourceList(container, field));
  const sidecars: ResourceTotals = new Map();
  const initMaximum: ResourceTotals = new Map();
  for (const container of objectsAt(spec, 'initContainers')) {
    const own = resourceList(container, field);
    let effective: ResourceTotals;
    if (container['restartPolicy'] === 'Always') {
      add(total, own);
      add(sidecars, own);
      effective = sidecars;
    } else {
      // A regular init container runs alongside the sidecars started before it.
      effective = new Map();
      add(effective, own);
      for (const [name, quantity] of sidecars) addQuantity(effective, name, quantity);
    }
    maximum(initMaximum, effective);
  }
  maximum(total, initMaximum);
  return total;
}

/** CPU, memory and huge pages can be set at the pod level. */
export function isPodLevelResource(name: string): boolean {
  return name === 'cpu' || name === 'memory' || name.startsWith('hugepages-');
}

function isOvercommittable(name: string): boolean {
  return name === 'cpu' || name === 'memory';
}

function defaultHugePageLimits(spec: JsonObject, resources: JsonObject): void {
  const limits = objectAt(resources, 'limits') ?? {};
  const requests = objectAt(resources, 'requests') ?? {};
  if (Object.keys(limits).length === 0 && Object.keys(requests).length === 0) return;
  for (const [name, quantity] of aggregateContainerResources(spec, 'limits')) {
    if (!name.startsWith('hugepages-') || name in requests || name in limits) continue;
    limits[name] = formatQuantity(quantity);
  }
  if (Object.keys(limits).length > 0) resources['limits'] = limits;
}

function defaultPodRequests(spec: JsonObject, resources: JsonObject): void {
  const limits = objectAt(resources, 'limits') ?? {};
  if (Object.keys(limits).length === 0) return;
  const requests = objectAt(resources, 'requests') ?? {};
  for (const [name, quantity] of aggregateContainerResources(spec, 'requests')) {
    if (!(name in requests) && isPodLevelResource(name) && isOvercommittable(name)) requests[name] = formatQuantity(quantity);
  }
  for (const [name, value] of Object.entries(limits)) if (!(name in requests) && isPodLevelResource(name)) requests[name] = value;
  if (Object.keys(requests).length > 0) resources['requests'] = requests;
}

function defaultPodLimits(spec: JsonObject, resources: JsonObject): void {
  const limits = objectAt(resources, 'limits') ?? {};
  const requests = objectAt(resources, 'requests') ?? {};
  if (Object.keys(limits).some(isPodLevelResource) || !Object.keys(requests).some(isPodLevelResource)) return;
  const containers = [...objectsAt(spec, 'initContainers'), ...objectsAt(spec, 'containers')];
  for (const [name, quantity] of aggregateContainerResources(spec, 'limits')) {
    if (name in limits || !isPodLevelResource(name) || !isOvercommittable(name)) continue;
    if (!containers.every((c) => name in resourceList(c, 'limits'))) continue;
    limits[name] = formatQuantity(quantity);
  }
  if (Object.keys(limits).length > 0) resources['limits'] = limits;
}

function resourceList(container: JsonObject, field: 'requests' | 'limits'): JsonObject {
  const resources = objectAt(container, 'resources');
  const list = resources?.[field];
  return isJsonObject(list) ? list : {};
}

function add(totals: ResourceTotals, list: JsonObject): void {
  for (const [name, value] of Object.entries(list)) {
    const quantity = exactQuantity(value);
    if (quantity) addQuantity(totals, name, quantity);
  }
}

function addQuantity(totals: ResourceTotals, name: string, quantity: ExactQuantity): void {
  const current = totals.get(name);
  // Quantity.Add keeps the receiver's notation.
  totals.set(name, current ? { nanos: current.nanos + quantity.nanos, format: current.format } : quantity);
}

function maximum(totals: ResourceTotals, other: ResourceTotals): void {
  for (const [name, quantity] of other) {
    const current = totals.get(name);
    if (!current || quantity.nanos > current.nanos) totals.set(name, quantity);
  }
}
