/**
 * The endpoints of a Service from its pods, as upstream's endpoints and endpointslice
 * controllers compute them: pods with an address (status.podIP; a HostProcess pod's is its
 * node's), ready ones as addresses and the others as not-ready addresses (or `ready: false`),
 * unless the Service publishes not-ready addresses; each Service port resolved against the
 * pod's container ports (a named targetPort the pod does not have leaves the pod out of that
 * port). Addresses a Service cannot hold (loopback, link-local) are left out.
 */
import { isJsonObject, type JsonObject } from '../../api/defaults/json.js';
import { endpointIPProblems } from './endpoints-validation.js';
import { portsOf, specOf } from './service-validation.js';
import { parseIPv4 } from './service-network.js';

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const objects = (value: unknown): JsonObject[] => (Array.isArray(value) ? value.filter(isJsonObject) : []);
const metaOf = (object: JsonObject): JsonObject => (isJsonObject(object['metadata']) ? object['metadata'] : {});

/** Whether the pod's Ready condition is True. */
export function isPodReady(pod: JsonObject): boolean {
  const status = isJsonObject(pod['status']) ? pod['status'] : {};
  return objects(status['conditions']).some((c) => c['type'] === 'Ready' && c['status'] === 'True');
}

/** The pod's address, when it has one a Service may hold. */
export function podAddress(pod: JsonObject): string | undefined {
  const status = isJsonObject(pod['status']) ? pod['status'] : {};
  const ip = str(status['podIP']);
  if (ip === '' || parseIPv4(ip) === undefined || endpointIPProblems(ip).length > 0) return undefined;
  return ip;
}

/** Whether a pod is in a Service's endpoints at all: it has an address and has not finished. */
function candidate(pod: JsonObject): boolean {
  const phase = str((pod['status'] as JsonObject | undefined)?.['phase']);
  return podAddress(pod) !== undefined && phase !== 'Succeeded' && phase !== 'Failed';
}

/** FindPort: a Service port's target on this pod, or undefined when a named target is not among its container ports. */
export function resolveTargetPort(pod: JsonObject, servicePort: JsonObject): number | undefined {
  const target = servicePort['targetPort'];
  if (typeof target === 'number') return target;
  const name = str(target);
  const spec = isJsonObject(pod['spec']) ? pod['spec'] : {};
  for (const container of objects(spec['containers'])) {
    for (const port of objects(container['ports'])) {
      if (str(port['name']) === name && (str(port['protocol']) || 'TCP') === str(servicePort['protocol'])) return port['containerPort'] as number;
    }
  }
  return undefined;
}

function targetRef(pod: JsonObject): JsonObject {
  const meta = metaOf(pod);
  return { kind: 'Pod', namespace: meta['namespace'], name: meta['name'], uid: meta['uid'] };
}

/** The pod's hostname in the Service's DNS, when its spec.hostname and spec.subdomain name it. */
function hostnameFor(service: JsonObject, pod: JsonObject): string | undefined {
  const spec = isJsonObject(pod['spec']) ? pod['spec'] : {};
  const hostname = str(spec['hostname']);
  return hostname !== '' && str(spec['subdomain']) === str(metaOf(service)['name']) && metaOf(service)['namespace'] === metaOf(pod)['namespace'] ? hostname : undefined;
}

const byIP = (a: { ip: string; uid: string }, b: { ip: string; uid: string }): number => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);

/** The subsets of a Service's Endpoints (upstream's RepackSubsets: one subset per distinct set of ports, addresses by IP). */
export function endpointSubsets(service: JsonObject, pods: readonly JsonObject[]): JsonObject[] {
  const spec = specOf(service);
  const publishNotReady = spec['publishNotReadyAddresses'] === true;
  const servicePorts = portsOf(spec);
  const headless = (spec['clusterIPs'] as unknown[] | undefined)?.[0] === 'None';
  const groups = new Map<string, { ports: JsonObject[]; ready: JsonObject[]; notReady: JsonObject[] }>();
  for (const pod of pods) {
    if (!candidate(pod)) continue;
    if (metaOf(pod)['deletionTimestamp'] !== undefined && !publishNotReady) continue;
    const hostname = hostnameFor(service, pod);
    // An unbound pod has no address in practice; were it given one, an empty nodeName would make the Endpoints invalid.
    const nodeName = str((pod['spec'] as JsonObject | undefined)?.['nodeName']);
    const address: JsonObject = { ip: podAddress(pod), ...(hostname ? { hostname } : {}), ...(nodeName !== '' ? { nodeName } : {}), targetRef: targetRef(pod) };
    const ports: JsonObject[] = [];
    for (const servicePort of servicePorts) {
      const port = resolveTargetPort(pod, servicePort);
      if (port === undefined) continue;
      ports.push({ name: servicePort['name'], port, protocol: servicePort['protocol'], ...(servicePort['appProtocol'] ? { appProtocol: servicePort['appProtocol'] } : {}) });
    }
    if (ports.length === 0 && !(headless && servicePorts.length === 0)) continue;
    for (const port of ports) if (port['name'] === undefined || port['name'] === '') delete port['name'];
    ports.sort((a, b) => (str(a['name']) < str(b['name']) ? -1 : str(a['name']) > str(b['name']) ? 1 : 0));
    const key = JSON.stringify(ports);
    const group = groups.get(key) ?? { ports, ready: [], notReady: [] };
    groups.set(key, group);
    (publishNotReady || isPodReady(pod) ? group.ready : group.notReady).push(address);
  }
  const ordered = (addresses: JsonObject[]): JsonObject[] =>
    addresses.sort((a, b) => byIP({ ip: str(a['ip']), uid: str((a['targetRef'] as JsonObject)['uid']) }, { ip: str(b['ip']), uid: str((b['targetRef'] as JsonObject)['uid']) }));
  return [...groups.values()].map((g) => ({
    ...(g.ready.length > 0 ? { addresses: ordered(g.ready) } : {}),
    ...(g.notReady.length > 0 ? { notReadyAddresses: ordered(g.notReady) } : {}),
    ...(g.ports.length > 0 ? { ports: g.ports } : {}),
  }));
}

const ZONE_LABEL = 'topology.kubernetes.io/zone';

/**
 * The endpoints and ports of a Service's EndpointSlices, one entry per distinct set of ports
 * (upstream keeps at most 100 endpoints a slice). `nodeOf` reads a Node: a pod whose Node does
 * not exist is left out (unless the Service publishes not-ready addresses), and an endpoint's
 * zone is its Node's `topology.kubernetes.io/zone` label.
 */
export function sliceContents(service: JsonObject, pods: readonly JsonObject[], nodeOf: (name: string) => JsonObject | undefined): { endpoints: JsonObject[]; ports: JsonObject[] }[] {
  const spec = specOf(service);
  const publishNotReady = spec['publishNotReadyAddresses'] === true;
  const servicePorts = portsOf(spec);
  const groups = new Map<string, { endpoints: JsonObject[]; ports: JsonObject[] }>();
  for (const pod of pods) {
    if (!candidate(pod)) continue;
    const nodeName = str((pod['spec'] as JsonObject | undefined)?.['nodeName']);
    const node = nodeOf(nodeName);
    if (!node && !publishNotReady) continue;
    const zone = node ? str((metaOf(node)['labels'] as JsonObject | undefined)?.[ZONE_LABEL]) : '';
    const ports: JsonObject[] = [];
    for (const servicePort of servicePorts) {
      const port = resolveTargetPort(pod, servicePort);
      if (port === undefined) continue;
      ports.push({ name: str(servicePort['name']), port, protocol: servicePort['protocol'], ...(servicePort['appProtocol'] ? { appProtocol: servicePort['appProtocol'] } : {}) });
    }
    const key = JSON.stringify(ports);
    const group = groups.get(key) ?? { endpoints: [], ports };
    groups.set(key, group);
    const terminating = metaOf(pod)['deletionTimestamp'] !== undefined;
    const serving = isPodReady(pod);
    const hostname = hostnameFor(service, pod);
    group.endpoints.push({
      addresses: [podAddress(pod)],
      conditions: { ready: publishNotReady || (serving && !terminating), serving: publishNotReady || serving, terminating },
      ...(hostname ? { hostname } : {}),
      targetRef: targetRef(pod),
      ...(nodeName !== '' ? { nodeName } : {}),
      ...(zone !== '' ? { zone } : {}),
    });
  }
  return [...groups.values()];
}
