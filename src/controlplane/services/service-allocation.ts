/**
 * Cluster IPs and node ports for Services, as kube-apiserver's service allocator hands them out:
 * a requested address or port is checked (in range, free) and kept, a missing one is picked at
 * random, first from the upper part of the range (the lower part is kept for requested ones).
 * Nothing is stored apart: what is taken is read from the stored Services each time, so a
 * deleted Service, or one whose type no longer needs them, frees its address and ports, and a
 * restart loses nothing.
 */
import { isJsonObject, type JsonObject } from '../../api/defaults/json.js';
import { FieldPath, invalid, type FieldError } from '../../policy/field.js';
import { clusterIPsOf, isHeadless, needsClusterIP, needsNodePorts, portsOf, specOf, validateClusterIPsRelatedFields } from './service-validation.js';
import { formatIPv4, inRange, parseIPv4, usableAddresses, type ServiceNetwork } from './service-network.js';

const SPEC = FieldPath.root('spec');

/** What the other Services hold. */
export interface InUse {
  ips: Set<number>;
  nodePorts: Set<number>;
}

/** The addresses and node ports `services` hold (all of them, or all but one being updated). */
export function inUse(services: readonly JsonObject[], except?: { namespace: string; name: string }): InUse {
  const used: InUse = { ips: new Set(), nodePorts: new Set() };
  for (const service of services) {
    const meta = isJsonObject(service['metadata']) ? service['metadata'] : {};
    if (except && meta['namespace'] === except.namespace && meta['name'] === except.name) continue;
    const spec = specOf(service);
    for (const ip of clusterIPsOf(spec)) {
      const value = parseIPv4(ip);
      if (value !== undefined) used.ips.add(value);
    }
    for (const port of portsOf(spec)) if (typeof port['nodePort'] === 'number' && port['nodePort'] > 0) used.nodePorts.add(port['nodePort']);
    if (typeof spec['healthCheckNodePort'] === 'number' && spec['healthCheckNodePort'] > 0) used.nodePorts.add(spec['healthCheckNodePort']);
  }
  return used;
}

/** A random number generator in [0, 1); tests pass their own. */
export type Random = () => number;

/**
 * The lower part of a range kept for requested values (upstream's static band): for addresses
 * min(max(16, size/16), 256), for ports min(max(16, size/32), 128).
 */
function staticBand(size: number, divisor: number, most: number): number {
  return Math.min(Math.max(16, Math.floor(size / divisor)), most, size);
}

/** A free value of [first, last], random in the upper part, else the lower part; undefined when all are taken. */
function pick(first: number, last: number, band: number, taken: Set<number>, random: Random): number | undefined {
  const tryRange = (from: number, to: number): number | undefined => {
    const size = to - from + 1;
    if (size <= 0) return undefined;
    const start = Math.floor(random() * size);
    for (let i = 0; i < size; i++) {
      const value = from + ((start + i) % size);
      if (!taken.has(value)) return value;
    }
    return undefined;
  };
  return tryRange(first + band, last) ?? tryRange(first, Math.min(first + band - 1, last));
}

/**
 * Gives a new Service its IP family fields, cluster IP and node ports (in place), as the
 * allocator's create step; its errors come before any other validation.
 * @returns the field errors that refuse it (empty when it got what it asked for)
 */
export function allocateCreate(service: JsonObject, network: ServiceNetwork, used: InUse, random: Random = Math.random): FieldError[] {
  const spec = specOf(service);
  if (!needsClusterIP(spec)) return [];
  const errors = validateClusterIPsRelatedFields(service);
  if (errors.length > 0) return errors;
  const familyErrors = initIPFamilyFields(spec);
  if (familyErrors.length > 0) return familyErrors;
  const ipErrors = allocateClusterIP(spec, network, used, random);
  if (ipErrors.length > 0) return ipErrors;
  const portErrors = allocateNodePorts(spec, network, used, new Set(), random);
  return portErrors.length > 0 ? portErrors : allocateHealthCheckNodePort(spec, network, used, undefined, random);
}

/**
 * An update's IP family checks, as the allocator's before validation (its errors come alone):
 * what a create is refused for, a second cluster IP or dual stack asked later is refused for.
 */
export function checkIPFamiliesOnUpdate(service: JsonObject, current: JsonObject): FieldError[] {
  const spec = specOf(service);
  if (!needsClusterIP(spec) || !needsClusterIP(specOf(current))) return [];
  const errors = validateClusterIPsRelatedFields(service);
  return errors.length > 0 ? errors : initIPFamilyFields(spec);
}

/**
 * An update's allocation, after validation: a cluster IP when the Service now needs one (it was
 * an ExternalName), node ports for ports that have none, and requested node ports checked.
 */
export function allocateUpdate(service: JsonObject, current: JsonObject, network: ServiceNetwork, used: InUse, random: Random = Math.random): FieldError[] {
  const spec = specOf(service);
  const old = specOf(current);
  if (!needsClusterIP(spec)) return [];
  if (!needsClusterIP(old)) {
    const familyErrors = initIPFamilyFields(spec);
    if (familyErrors.length > 0) return familyErrors;
    const ipErrors = allocateClusterIP(spec, network, used, random);
    if (ipErrors.length > 0) return ipErrors;
  }
  const kept = new Set<number>();
  if (needsNodePorts(old)) for (const port of portsOf(old)) if (typeof port['nodePort'] === 'number') kept.add(port['nodePort']);
  const portErrors = allocateNodePorts(spec, network, used, kept, random);
  const oldHealthCheck = needsHealthCheckNodePort(old) && typeof old['healthCheckNodePort'] === 'number' ? old['healthCheckNodePort'] : undefined;
  return portErrors.length > 0 ? portErrors : allocateHealthCheckNodePort(spec, network, used, oldHealthCheck, random);
}

/** A LoadBalancer with `externalTrafficPolicy: Local` gets a health check node port (for the load balancer's checks). */
export function needsHealthCheckNodePort(spec: JsonObject): boolean {
  return spec['type'] === 'LoadBalancer' && spec['externalTrafficPolicy'] === 'Local';
}

function allocateHealthCheckNodePort(spec: JsonObject, network: ServiceNetwork, used: InUse, kept: number | undefined, random: Random): FieldError[] {
  if (!needsHealthCheckNodePort(spec)) return [];
  const { first, last } = network.nodePorts;
  const requested = typeof spec['healthCheckNodePort'] === 'number' ? spec['healthCheckNodePort'] : 0;
  const path = SPEC.child('healthCheckNodePort');
  if (requested !== 0) {
    if (requested === kept) return [];
    if (requested < first || requested > last) return [invalid(path, requested, `provided port is not in the valid range. The range of valid ports is ${first}-${last}`)];
    if (used.nodePorts.has(requested)) return [invalid(path, requested, 'provided port is already allocated')];
    used.nodePorts.add(requested);
    return [];
  }
  const value = pick(first, last, staticBand(last - first + 1, 32, 128), used.nodePorts, random);
  if (value === undefined) return [invalid(path, 0, 'failed to allocate a nodePort: range is full')];
  used.nodePorts.add(value);
  spec['healthCheckNodePort'] = value;
  return [];
}

/**
 * IPv4 single-stack: families IPv4, policy SingleStack unless PreferDualStack was asked. A
 * headless Service without a selector may have both families (RequireDualStack by default), as
 * upstream allows on any cluster: it has no address of either.
 */
function initIPFamilyFields(spec: JsonObject): FieldError[] {
  const families = Array.isArray(spec['ipFamilies']) ? spec['ipFamilies'].map(String) : [];
  const selector = isJsonObject(spec['selector']) ? spec['selector'] : {};
  const headlessWithoutSelector = isHeadless(spec) && Object.keys(selector).length === 0;
  if (spec['ipFamilyPolicy'] === undefined || spec['ipFamilyPolicy'] === null) spec['ipFamilyPolicy'] = headlessWithoutSelector ? 'RequireDualStack' : 'SingleStack';
  const policy = spec['ipFamilyPolicy'];
  if (families.length > 1 && policy === 'SingleStack') {
    return [invalid(SPEC.child('ipFamilyPolicy'), policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified")];
  }
  if (headlessWithoutSelector) {
    const first = families[0] ?? 'IPv4';
    spec['ipFamilies'] = families.length > 1 || policy === 'SingleStack' ? (families.length > 0 ? families : [first]) : [first, first === 'IPv4' ? 'IPv6' : 'IPv4'];
    return [];
  }
  const errors: FieldError[] = [];
  const clusterIPs = clusterIPsOf(spec);
  if (clusterIPs.length > 1 && policy === 'SingleStack') {
    errors.push(invalid(SPEC.child('ipFamilyPolicy'), policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
  }
  clusterIPs.forEach((ip, i) => {
    if (ip.includes(':')) errors.push(invalid(SPEC.child('clusterIPs').index(i), clusterIPs, 'IPv6 is not configured on this cluster'));
  });
  families.forEach((family, i) => {
    if (family !== 'IPv4') errors.push(invalid(SPEC.child('ipFamilies').index(i), family, 'not configured on this cluster'));
  });
  if (policy === 'RequireDualStack') errors.push(invalid(SPEC.child('ipFamilyPolicy'), policy, 'this cluster is not configured for dual-stack services'));
  if (errors.length > 0) return errors;
  spec['ipFamilies'] = ['IPv4'];
  return [];
}

function allocateClusterIP(spec: JsonObject, network: ServiceNetwork, used: InUse, random: Random): FieldError[] {
  const requested = typeof spec['clusterIP'] === 'string' ? spec['clusterIP'] : '';
  if (requested === 'None') {
    spec['clusterIPs'] = ['None'];
    return [];
  }
  const field = SPEC.child('clusterIPs');
  if (requested !== '') {
    const value = parseIPv4(requested);
    const { first, last } = usableAddresses(network);
    if (value === undefined || !inRange(network, value)) {
      return [invalid(field, [requested], `failed to allocate IP ${requested}: the provided network does not match the current range`)];
    }
    if (value < first || value > last) {
      return [invalid(field, [requested], `failed to allocate IP ${requested}: provided IP (${requested}) is not in the valid range. The range of valid IPs is ${network.cidr}`)];
    }
    if (used.ips.has(value)) return [invalid(field, [requested], `failed to allocate IP ${requested}: provided IP is already allocated`)];
    used.ips.add(value);
    spec['clusterIPs'] = [requested];
    return [];
  }
  const { first, last } = usableAddresses(network);
  const value = pick(first, last, staticBand(last - first + 1, 16, 256), used.ips, random);
  if (value === undefined) return [invalid(field, [], 'failed to allocate a serviceIP: range is full')];
  used.ips.add(value);
  spec['clusterIP'] = formatIPv4(value);
  spec['clusterIPs'] = [formatIPv4(value)];
  return [];
}

function allocateNodePorts(spec: JsonObject, network: ServiceNetwork, used: InUse, kept: Set<number>, random: Random): FieldError[] {
  if (!needsNodePorts(spec)) return [];
  const { first, last } = network.nodePorts;
  const ports = portsOf(spec);
  // Ports of the same number (DNS over TCP and UDP) share their node port.
  const byPort = new Map<unknown, number>();
  for (const [i, port] of ports.entries()) {
    const nodePort = typeof port['nodePort'] === 'number' ? port['nodePort'] : 0;
    if (nodePort === 0 || kept.has(nodePort)) continue;
    const path = SPEC.child('ports').index(i).child('nodePort');
    if (nodePort < first || nodePort > last) {
      return [invalid(path, nodePort, `provided port is not in the valid range. The range of valid ports is ${first}-${last}`)];
    }
    if (used.nodePorts.has(nodePort) && byPort.get(port['port']) !== nodePort) return [invalid(path, nodePort, 'provided port is already allocated')];
    used.nodePorts.add(nodePort);
    byPort.set(port['port'], nodePort);
  }
  for (const port of ports) {
    if (typeof port['nodePort'] === 'number' && port['nodePort'] !== 0) {
      if (!byPort.has(port['port'])) byPort.set(port['port'], port['nodePort']);
      continue;
    }
    const shared = byPort.get(port['port']);
    const value = shared ?? pick(first, last, staticBand(last - first + 1, 32, 128), used.nodePorts, random);
    if (value === undefined) return [invalid(SPEC.child('ports'), [], 'failed to allocate a nodePort: range is full')];
    used.nodePorts.add(value);
    byPort.set(port['port'], value);
    port['nodePort'] = value;
  }
  return [];
}
