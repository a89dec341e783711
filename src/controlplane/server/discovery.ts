/**
 * API discovery: the legacy documents (`/api`, `/apis`, `/api/v1`, ...) and aggregated discovery
 * (apidiscovery.k8s.io v2 and v2beta1), which kubectl 1.27+ asks for first and which saves it
 * one request per group/version. Everything in them comes from the registry's definitions.
 */
import { groupVersion, resourceRegistry, type ResourceDefinition, type ResourceRegistry } from '../resources/index.js';

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** `/api`: the core group's versions. */
export function coreVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** `/apis`: the named groups. */
export function groupList(registry: ResourceRegistry = resourceRegistry): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: namedGroups(registry).map(apiGroup) };
}

/** `/apis/GROUP`. */
export function groupDocument(group: string, registry: ResourceRegistry = resourceRegistry): Record<string, unknown> | undefined {
  const found = namedGroups(registry).find((g) => g.name === group);
  return found ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(found) } : undefined;
}

/** `/api/v1`, `/apis/GROUP/VERSION`: the resources of one group/version, subresources as `pods/status`. */
export function resourceList(group: string, version: string, registry: ResourceRegistry = resourceRegistry): Record<string, unknown> | undefined {
  const resources = registry.inGroupVersion(group, version);
  if (resources.length === 0) return undefined;
  const entries: Record<string, unknown>[] = [];
  for (const r of resources) {
    entries.push({
      name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs,
      ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length > 0 ? { categories: r.categories } : {}),
      ...(r.storageVersionHash === undefined ? {} : { storageVersionHash: r.storageVersionHash }),
    });
    for (const s of r.subresources) {
      entries.push({
        name: `${r.resource}/${s.name}`, singularName: '', namespaced: r.namespaced,
        ...(s.group === undefined ? {} : { group: s.group, version: s.version }),
        kind: s.kind, verbs: s.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources: entries };
}

/** Aggregated discovery of the core group (`/api`) or of the named groups (`/apis`). */
export function aggregated(core: boolean, apiVersion: 'v2' | 'v2beta1', registry: ResourceRegistry = resourceRegistry): Record<string, unknown> {
  const groups = core ? [{ name: '', versions: ['v1'] }] : namedGroups(registry);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${apiVersion}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: core ? {} : { name: g.name },
      versions: g.versions.map((version) => ({
        version,
        resources: registry.inGroupVersion(g.name, version).map(resourceDiscovery),
        freshness: 'Current',
      })),
    })),
  };
}

function resourceDiscovery(r: ResourceDefinition): Record<string, unknown> {
  return {
    resource: r.resource,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length > 0 ? { categories: r.categories } : {}),
    ...(r.subresources.length > 0
      ? {
          subresources: r.subresources.map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind },
            verbs: s.verbs,
          })),
        }
      : {}),
  };
}

interface NamedGroup {
  name: string;
  versions: string[];
}

function namedGroups(registry: ResourceRegistry): NamedGroup[] {
  const groups = new Map<string, string[]>();
  for (const gv of registry.groupVersions()) {
    if (gv.group === '') continue;
    groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv.version]);
  }
  return [...groups].map(([name, versions]) => ({ name, versions }));
}

function apiGroup(g: NamedGroup): Record<string, unknown> {
  const versions = g.versions.map((version) => ({ groupVersion: `${g.name}/${version}`, version }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}
