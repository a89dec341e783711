/** Service (core/v1) defaulting, as SetDefaults_Service and SetDefaults_ServicePort. */
import { defaultString, ensureObject, isJsonObject, isUnset, stringAt, type JsonObject } from './json.js';

/** Three hours: the ClientIP session affinity's default timeout (DefaultClientIPServiceAffinitySeconds). */
export const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;

/** Mutates `service` in place with the defaults kube-apiserver gives every decoded Service. */
export function defaultService(service: JsonObject): void {
  const spec = ensureObject(service, 'spec');
  defaultString(spec, 'sessionAffinity', 'None');
  if (stringAt(spec, 'sessionAffinity') === 'ClientIP') {
    const clientIP = ensureObject(ensureObject(spec, 'sessionAffinityConfig'), 'clientIP');
    if (isUnset(clientIP['timeoutSeconds'])) clientIP['timeoutSeconds'] = DEFAULT_CLIENT_IP_TIMEOUT_SECONDS;
  }
  defaultString(spec, 'type', 'ClusterIP');
  const type = stringAt(spec, 'type');
  for (const port of Array.isArray(spec['ports']) ? spec['ports'] : []) {
    if (!isJsonObject(port)) continue;
    defaultString(port, 'protocol', 'TCP');
    // targetPort 0 or "" means "the same as port".
    if (port['targetPort'] === undefined || port['targetPort'] === null || port['targetPort'] === 0 || port['targetPort'] === '') {
      port['targetPort'] = port['port'];
    }
  }
  // Externally accessible: NodePort, LoadBalancer, and ClusterIP with external IPs.
  const externalIPs = Array.isArray(spec['externalIPs']) && spec['externalIPs'].length > 0;
  if (type === 'NodePort' || type === 'LoadBalancer' || (type === 'ClusterIP' && externalIPs)) defaultString(spec, 'externalTrafficPolicy', 'Cluster');
  if ((type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') && isUnset(spec['internalTrafficPolicy'])) {
    spec['internalTrafficPolicy'] = 'Cluster';
  }
  if (type === 'LoadBalancer' && isUnset(spec['allocateLoadBalancerNodePorts'])) spec['allocateLoadBalancerNodePorts'] = true;
  // The status is a struct value in Go: always there, with its load balancer's struct.
  ensureObject(ensureObject(service, 'status'), 'loadBalancer');
}
