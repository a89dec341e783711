/**
 * Node: allocatable defaults to capacity, resource lists are rounded and canonical, and the struct
 * values of NodeSpec and NodeStatus that Go always serializes are filled with their zero values.
 */
import { cloneJson, defaultPointer, ensureObject, isJsonObject, isUnset, stringAt, type JsonObject } from './json.js';
import { defaultResourceList } from './quantities.js';

// NodeSystemInfo's string fields have no omitempty: they show as "" until the kubelet reports.
const NODE_INFO_FIELDS = [
  'machineID', 'systemUUID', 'bootID', 'kernelVersion', 'osImage', 'containerRuntimeVersion',
  'kubeletVersion', 'kubeProxyVersion', 'operatingSystem', 'architecture',
];

/** Mutates `node` in place with the API server's defaults. */
export function defaultNode(node: JsonObject): void {
  const spec = ensureObject(node, 'spec');
  syncPodCIDRs(spec);
  const status = ensureObject(node, 'status');
  if (isUnset(status['allocatable']) && isJsonObject(status['capacity'])) status['allocatable'] = cloneJson(status['capacity']);
  defaultResourceList(status, 'capacity');
  defaultResourceList(status, 'allocatable');
  const kubeletEndpoint = ensureObject(ensureObject(status, 'daemonEndpoints'), 'kubeletEndpoint');
  defaultPointer(kubeletEndpoint, 'Port', 0);
  const nodeInfo = ensureObject(status, 'nodeInfo');
  for (const field of NODE_INFO_FIELDS) defaultPointer(nodeInfo, field, '');
}

// podCIDR is the first of podCIDRs; when they disagree, podCIDR wins and replaces the list.
function syncPodCIDRs(spec: JsonObject): void {
  const single = stringAt(spec, 'podCIDR') ?? '';
  const list = Array.isArray(spec['podCIDRs']) ? (spec['podCIDRs'] as unknown[]) : [];
  if (single !== '' && (list.length === 0 || list[0] !== single)) spec['podCIDRs'] = [single];
  else if (typeof list[0] === 'string' && list[0] !== '') spec['podCIDR'] = list[0];
}
