/**
 * What the Service strategy does to an update before validation, as kube-apiserver's
 * NormalizeClusterIPs, patchAllocatedValues and dropTypeDependentFields: an update that leaves
 * out the cluster IP or node ports (a `kubectl apply` of a manifest without them) keeps the
 * allocated ones, and a type that no longer needs a field loses it.
 */
import { semanticEqual, type JsonObject } from '../../api/defaults/json.js';
import { clusterIPsOf, needsClusterIP, needsNodePorts, portsOf, specOf } from './service-validation.js';

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** A create's clusterIPs from its clusterIP, for clients that set only the singular field. */
export function normalizeCreate(service: JsonObject): void {
  const spec = specOf(service);
  if (str(spec['clusterIP']) !== '' && clusterIPsOf(spec).length === 0) spec['clusterIPs'] = [spec['clusterIP']];
}

/** Mutates `service` (the update) in place, given the stored `current`. */
export function normalizeUpdate(service: JsonObject, current: JsonObject): void {
  const spec = specOf(service);
  const old = specOf(current);
  normalizeClusterIPs(spec, old);
  patchAllocatedValues(spec, old);
  dropTypeDependentFields(service, spec, old);
}

function normalizeClusterIPs(spec: JsonObject, old: JsonObject): void {
  const sameIPs = semanticEqual(clusterIPsOf(old), clusterIPsOf(spec));
  // An old client patched something else and sent no clusterIPs.
  if (clusterIPsOf(old).length > 0 && clusterIPsOf(spec).length === 0 && str(old['clusterIP']) === str(spec['clusterIP'])) {
    spec['clusterIPs'] = old['clusterIPs'];
  }
  if (str(old['clusterIP']) !== str(spec['clusterIP'])) {
    if (str(old['clusterIP']) !== '' && str(spec['clusterIP']) === '') {
      if (sameIPs) delete spec['clusterIPs'];
    } else if (sameIPs) {
      spec['clusterIPs'] = [spec['clusterIP']];
    }
  }
}

function patchAllocatedValues(spec: JsonObject, old: JsonObject): void {
  if (needsClusterIP(old) && needsClusterIP(spec)) {
    if (str(spec['clusterIP']) === '' && str(old['clusterIP']) !== '') spec['clusterIP'] = old['clusterIP'];
    if (clusterIPsOf(spec).length === 0 && clusterIPsOf(old).length > 0) spec['clusterIPs'] = old['clusterIPs'];
  }
  // The health check node port, when both need one and the update leaves it out.
  const healthChecked = (s: JsonObject): boolean => str(s['type']) === 'LoadBalancer' && str(s['externalTrafficPolicy']) === 'Local';
  if (healthChecked(old) && healthChecked(spec) && (spec['healthCheckNodePort'] === undefined || spec['healthCheckNodePort'] === 0)) spec['healthCheckNodePort'] = old['healthCheckNodePort'];
  if (needsNodePorts(old) && needsNodePorts(spec)) {
    const nodePortsOf = (ports: JsonObject[]): Set<unknown> => new Set(ports.map((p) => p['nodePort']).filter((n) => typeof n === 'number' && n > 0));
    const newPorts = portsOf(spec);
    const taken = nodePortsOf(newPorts);
    // Node ports by port name: the user may have changed the port's other fields.
    const byName = new Map(portsOf(old).map((p) => [str(p['name']), p['nodePort']]));
    for (const port of newPorts) {
      if (typeof port['nodePort'] === 'number' && port['nodePort'] !== 0) continue;
      const previous = byName.get(str(port['name']));
      if (typeof previous === 'number' && previous > 0 && !taken.has(previous)) port['nodePort'] = previous;
    }
  }
}

function dropTypeDependentFields(service: JsonObject, spec: JsonObject, old: JsonObject): void {
  if (needsClusterIP(old) && !needsClusterIP(spec)) {
    if (semanticEqual(clusterIPsOf(old), clusterIPsOf(spec))) {
      delete spec['clusterIP'];
      delete spec['clusterIPs'];
    }
    if (semanticEqual(old['ipFamilies'], spec['ipFamilies'])) delete spec['ipFamilies'];
    if (semanticEqual(old['ipFamilyPolicy'], spec['ipFamilyPolicy'])) delete spec['ipFamilyPolicy'];
  }
  if (needsNodePorts(old) && !needsNodePorts(spec)) {
    const same = semanticEqual(portsOf(old).map((p) => p['nodePort'] ?? 0), portsOf(spec).map((p) => p['nodePort'] ?? 0));
    if (same) for (const port of portsOf(spec)) delete port['nodePort'];
  }
  const type = str(spec['type']);
  const healthChecked = (s: JsonObject): boolean => str(s['type']) === 'LoadBalancer' && str(s['externalTrafficPolicy']) === 'Local';
  if (healthChecked(old) && !healthChecked(spec) && semanticEqual(old['healthCheckNodePort'], spec['healthCheckNodePort'])) delete spec['healthCheckNodePort'];
  if (type !== 'LoadBalancer') {
    if (semanticEqual(old['allocateLoadBalancerNodePorts'], spec['allocateLoadBalancerNodePorts'])) delete spec['allocateLoadBalancerNodePorts'];
    if (semanticEqual(old['loadBalancerClass'], spec['loadBalancerClass'])) delete spec['loadBalancerClass'];
    if (semanticEqual(old['healthCheckNodePort'], spec['healthCheckNodePort'])) delete spec['healthCheckNodePort'];
    service['status'] = { ...(typeof service['status'] === 'object' && service['status'] !== null ? service['status'] : {}), loadBalancer: {} };
  }
  const externallyAccessible = type === 'NodePort' || type === 'LoadBalancer' || (type === 'ClusterIP' && Array.isArray(spec['externalIPs']) && spec['externalIPs'].length > 0);
  if (!externallyAccessible && str(old['externalTrafficPolicy']) === str(spec['externalTrafficPolicy'])) delete spec['externalTrafficPolicy'];
  if (type === 'ExternalName' && semanticEqual(old['internalTrafficPolicy'], spec['internalTrafficPolicy'])) delete spec['internalTrafficPolicy'];
}
