/**
 * Service validation, as kube-apiserver's ValidateService and ValidateServiceUpdate (IPv4
 * single-stack clusters), with their field paths and messages.
 */
import { isJsonObject, type JsonObject } from '../../api/defaults/json.js';
import { duplicate, FieldPath, forbidden, GoJsonValue, invalid, notSupported, required, type FieldError } from '../../policy/field.js';
import { validateLabels } from '../../policy/validation/metadata.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPortName } from '../../policy/validation/names.js';
import { parseIPv4 } from './service-network.js';

const SPEC = FieldPath.root('spec');
const PORT_RANGE = 'must be between 1 and 65535, inclusive';
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const AFFINITIES = ['ClientIP', 'None'];
const FAMILIES = ['IPv4', 'IPv6'];
const FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];

export const specOf = (service: JsonObject): JsonObject => (isJsonObject(service['spec']) ? service['spec'] : {});
export const portsOf = (spec: JsonObject): JsonObject[] => (Array.isArray(spec['ports']) ? spec['ports'].filter(isJsonObject) : []);
export const clusterIPsOf = (spec: JsonObject): string[] => (Array.isArray(spec['clusterIPs']) ? spec['clusterIPs'].map(String) : []);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const validPort = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65535;

/** A headless service: `clusterIP: None`. */
export function isHeadless(spec: JsonObject): boolean {
  const ips = clusterIPsOf(spec);
  return ips.length === 1 && ips[0] === 'None';
}

/** Whether the type gets a cluster IP (every type but ExternalName). */
export const needsClusterIP = (spec: JsonObject): boolean => str(spec['type']) !== 'ExternalName';

/** Whether the type gets node ports: NodePort, and LoadBalancer unless allocateLoadBalancerNodePorts is false. */
export function needsNodePorts(spec: JsonObject): boolean {
  const type = str(spec['type']);
  return type === 'NodePort' || (type === 'LoadBalancer' && spec['allocateLoadBalancerNodePorts'] !== false);
}

/** ValidateService: the errors of a Service's spec (metadata is checked by the generic step). */
export function validateService(service: JsonObject): FieldError[] {
  const spec = specOf(service);
  const errors: FieldError[] = [];
  const type = str(spec['type']);
  const headless = isHeadless(spec);
  const ports = portsOf(spec);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errors.push(required(SPEC.child('ports')));
  if (type === 'LoadBalancer') {
    if (headless) errors.push(invalid(SPEC.child('clusterIPs').index(0), 'None', "may not be set to 'None' for LoadBalancer services"));
  } else if (type === 'NodePort') {
    if (headless) errors.push(invalid(SPEC.child('clusterIPs').index(0), 'None', "may not be set to 'None' for NodePort services"));
  } else if (type === 'ExternalName') {
    if (clusterIPsOf(spec).length > 0) errors.push(forbidden(SPEC.child('clusterIPs'), 'may not be set for ExternalName services'));
    if (Array.isArray(spec['ipFamilies']) && spec['ipFamilies'].length > 0) errors.push(forbidden(SPEC.child('ipFamilies'), 'may not be set for ExternalName services'));
    if (spec['ipFamilyPolicy'] !== undefined && spec['ipFamilyPolicy'] !== null) errors.push(forbidden(SPEC.child('ipFamilyPolicy'), 'may not be set for ExternalName services'));
    // The value (a CNAME) may end in a dot, for a fully qualified name.
    const cname = str(spec['externalName']).replace(/\.$/, '');
    if (cname === '') errors.push(required(SPEC.child('externalName')));
    else for (const message of isDNS1123Subdomain(cname)) errors.push(invalid(SPEC.child('externalName'), cname, message));
  }

  const names = new Set<string>();
  ports.forEach((port, i) => errors.push(...validateServicePort(port, ports.length > 1, names, SPEC.child('ports').index(i))));

  if (isJsonObject(spec['selector'])) errors.push(...validateLabels(spec['selector'] as Record<string, string>, SPEC.child('selector')));

  const affinity = str(spec['sessionAffinity']);
  if (affinity === '') errors.push(required(SPEC.child('sessionAffinity')));
  else if (!AFFINITIES.includes(affinity)) errors.push(notSupported(SPEC.child('sessionAffinity'), affinity, AFFINITIES));
  if (affinity === 'ClientIP') {
    const timeout = (spec['sessionAffinityConfig'] as { clientIP?: { timeoutSeconds?: unknown } } | undefined)?.clientIP?.timeoutSeconds;
    const path = SPEC.child('sessionAffinityConfig', 'clientIP', 'timeoutSeconds');
    if (typeof timeout !== 'number' || timeout <= 0 || timeout > 86400) errors.push(invalid(path, timeout ?? 0, 'must be greater than 0 and less than 86400'));
  } else if (affinity === 'None' && spec['sessionAffinityConfig'] !== undefined && spec['sessionAffinityConfig'] !== null) {
    errors.push(forbidden(SPEC.child('sessionAffinityConfig'), 'must not be set when session affinity is None'));
  }

  errors.push(...validateClusterIPsRelatedFields(service));

  (Array.isArray(spec['externalIPs']) ? spec['externalIPs'] : []).forEach((ip, i) => {
    const path = SPEC.child('externalIPs').index(i);
    if (parseIPv4(String(ip)) === undefined) errors.push(invalid(path, ip, ipProblem(String(ip))));
  });

  if (type === '') errors.push(required(SPEC.child('type')));
  else if (!TYPES.includes(type)) errors.push(notSupported(SPEC.child('type'), type, TYPES));

  if (type === 'ClusterIP') {
    ports.forEach((port, i) => {
      if (num(port['nodePort']) !== 0) errors.push(forbidden(SPEC.child('ports').index(i).child('nodePort'), "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((port, i) => {
    const nodePort = num(port['nodePort']);
    if (nodePort === 0) return;
    const key = `${str(port['protocol'])}/${nodePort}`;
    if (nodePorts.has(key)) errors.push(duplicate(SPEC.child('ports').index(i).child('nodePort'), nodePort));
    nodePorts.add(key);
  });
  const seen = new Set<string>();
  ports.forEach((port, i) => {
    const key = `${str(port['protocol'])}/${num(port['port'])}`;
    // The value is the internal ServicePort of the key, as a Go struct: only protocol and port set.
    const value = new GoJsonValue({ Name: '', Protocol: str(port['protocol']), AppProtocol: null, Port: num(port['port']), TargetPort: 0, NodePort: 0 });
    if (seen.has(key)) errors.push(duplicate(SPEC.child('ports').index(i), value));
    seen.add(key);
  });

  errors.push(...validateTrafficPolicies(spec, type));
  const healthCheck = num(spec['healthCheckNodePort']);
  if (healthCheck !== 0 && !(type === 'LoadBalancer' && str(spec['externalTrafficPolicy']) === 'Local')) {
    errors.push(invalid(SPEC.child('healthCheckNodePort'), healthCheck, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  }
  return errors;
}

function validateServicePort(port: JsonObject, requireName: boolean, names: Set<string>, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const name = str(port['name']);
  if (requireName && name === '') {
    errors.push(required(path.child('name')));
  } else if (name !== '') {
    for (const message of isDNS1123Label(name)) errors.push(invalid(path.child('name'), name, message));
    if (names.has(name)) errors.push(duplicate(path.child('name'), name));
    else names.add(name);
  }
  const number = num(port['port']);
  if (!validPort(number)) errors.push(invalid(path.child('port'), number, PORT_RANGE));
  const protocol = str(port['protocol']);
  if (protocol === '') errors.push(required(path.child('protocol')));
  else if (!PROTOCOLS.includes(protocol)) errors.push(notSupported(path.child('protocol'), protocol, PROTOCOLS));
  const target = port['targetPort'];
  if (typeof target === 'string') {
    for (const message of isValidPortName(target)) errors.push(invalid(path.child('targetPort'), target, message));
  } else if (!validPort(num(target))) {
    errors.push(invalid(path.child('targetPort'), num(target), PORT_RANGE));
  }
  if (typeof port['appProtocol'] === 'string') {
    for (const message of isQualifiedName(port['appProtocol'])) errors.push(invalid(path.child('appProtocol'), port['appProtocol'], message));
  }
  return errors;
}

function validateTrafficPolicies(spec: JsonObject, type: string): FieldError[] {
  const errors: FieldError[] = [];
  const external = str(spec['externalTrafficPolicy']);
  const externallyAccessible = type === 'NodePort' || type === 'LoadBalancer' || (type === 'ClusterIP' && Array.isArray(spec['externalIPs']) && spec['externalIPs'].length > 0);
  if (!externallyAccessible) {
    if (external !== '') errors.push(invalid(SPEC.child('externalTrafficPolicy'), external, 'may only be set for externally-accessible services'));
  } else if (external === '') {
    errors.push(required(SPEC.child('externalTrafficPolicy')));
  } else if (!TRAFFIC_POLICIES.includes(external)) {
    errors.push(notSupported(SPEC.child('externalTrafficPolicy'), external, TRAFFIC_POLICIES));
  }
  const internal = spec['internalTrafficPolicy'];
  if (internal === undefined || internal === null) {
    // Only the types it is defaulted for: older clients sent it for others too.
    if (type === 'ClusterIP' || type === 'NodePort' || type === 'LoadBalancer') errors.push(required(SPEC.child('internalTrafficPolicy')));
  } else if (!TRAFFIC_POLICIES.includes(str(internal))) {
    errors.push(notSupported(SPEC.child('internalTrafficPolicy'), internal, TRAFFIC_POLICIES));
  }
  return errors;
}

/**
 * ValidateServiceClusterIPsRelatedFields: clusterIP and clusterIPs agree, valid addresses, and
 * valid families and policy. The allocator runs it first on a create, alone.
 */
export function validateClusterIPsRelatedFields(service: JsonObject): FieldError[] {
  const spec = specOf(service);
  if (str(spec['type']) === 'ExternalName') return [];
  const errors: FieldError[] = [];
  const field = SPEC.child('clusterIPs');
  const clusterIP = str(spec['clusterIP']);
  const clusterIPs = clusterIPsOf(spec);
  if (clusterIP !== '') {
    if (clusterIPs.length === 0) errors.push(required(field));
    else if (clusterIPs[0] !== clusterIP) errors.push(invalid(field, clusterIPs, 'first value must match `clusterIP`'));
  } else if (clusterIPs.length > 0) {
    errors.push(invalid(field, clusterIPs, 'must be empty when `clusterIP` is not specified'));
  }
  const families = Array.isArray(spec['ipFamilies']) ? spec['ipFamilies'].map(String) : [];
  const seen = new Set<string>();
  families.forEach((family, i) => {
    if (!FAMILIES.includes(family)) errors.push(notSupported(SPEC.child('ipFamilies').index(i), family, FAMILIES));
    if (seen.has(family)) errors.push(duplicate(SPEC.child('ipFamilies').index(i), family));
    seen.add(family);
  });
  const policy = spec['ipFamilyPolicy'];
  if (policy !== undefined && policy !== null && !FAMILY_POLICIES.includes(str(policy))) {
    errors.push(notSupported(SPEC.child('ipFamilyPolicy'), policy, FAMILY_POLICIES));
  }
  let badIPs = false;
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) {
        badIPs = true;
        errors.push(invalid(field, clusterIPs, "'None' must be the first and only value"));
      }
      return;
    }
    if (!isIP(ip)) {
      badIPs = true;
      errors.push(invalid(field.index(i), ip, ipProblem(ip)));
    }
  });
  if (clusterIPs.length > 2) errors.push(invalid(field, clusterIPs, 'may only hold up to 2 values'));
  if (badIPs) return errors;
  if (clusterIPs.length > 1 && (parseIPv4(clusterIPs[0]!) !== undefined) === (parseIPv4(clusterIPs[1]!) !== undefined)) {
    errors.push(invalid(field, clusterIPs, 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadless(spec)) {
    clusterIPs.forEach((ip, i) => {
      const family = families[i];
      if (family === 'IPv4' && parseIPv4(ip) === undefined) errors.push(invalid(field.index(i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (family === 'IPv6' && parseIPv4(ip) !== undefined) errors.push(invalid(field.index(i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errors;
}

/** IsValidIP's message for an address that is not one: leading zeros get their own. */
export function ipProblem(text: string): string {
  return parseIPv4(text.split('.').map((part) => part.replace(/^0+(?=[0-9])/, '')).join('.')) !== undefined
    ? 'must not have leading 0s'
    : 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
}

/** GetWarningsForService: fields that are deprecated or ignored for the Service's type. */
export function serviceWarnings(service: JsonObject): string[] {
  const spec = specOf(service);
  const type = str(spec['type']);
  const warnings: string[] = [];
  const externalIPs = Array.isArray(spec['externalIPs']) && spec['externalIPs'].length > 0;
  if (type === 'ExternalName' && externalIPs) warnings.push('spec.externalIPs is ignored when spec.type is "ExternalName"');
  else if (externalIPs) warnings.push('spec.externalIPs is deprecated and may no longer be implemented in some clusters');
  if (type !== 'ExternalName' && str(spec['externalName']) !== '') warnings.push('spec.externalName is ignored when spec.type is not "ExternalName"');
  return warnings;
}

function isIP(text: string): boolean {
  return parseIPv4(text) !== undefined || (text.includes(':') && /^[0-9a-fA-F:.]+$/.test(text));
}

/** ValidateServiceUpdate: what an update may not change (the cluster IPs, unless to or from ExternalName), then ValidateService. */
export function validateServiceUpdate(service: JsonObject, current: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  const spec = specOf(service);
  const old = specOf(current);
  if (str(old['type']) !== 'ExternalName' && str(spec['type']) !== 'ExternalName') {
    const before = clusterIPsOf(old);
    const after = clusterIPsOf(spec);
    if (before.length === after.length) {
      before.forEach((ip, i) => {
        if (ip !== after[i]) errors.push(invalid(SPEC.child('clusterIPs').index(i), after, 'may not change once set'));
      });
    } else if (after.length === 0) {
      errors.push(invalid(SPEC.child('clusterIPs').index(0), after, 'primary clusterIP can not be unset'));
    } else if (before.length > 0 && before[0] !== after[0]) {
      errors.push(invalid(SPEC.child('clusterIPs').index(0), after, 'may not change once set'));
    }
    const familiesBefore = Array.isArray(old['ipFamilies']) ? old['ipFamilies'] : [];
    const familiesAfter = Array.isArray(spec['ipFamilies']) ? spec['ipFamilies'] : [];
    if (familiesBefore.length > 0 && familiesAfter.length > 0 && familiesBefore[0] !== familiesAfter[0]) {
      errors.push(invalid(SPEC.child('ipFamilies').index(0), familiesAfter, 'may not change once set'));
    }
  }
  return [...errors, ...validateService(service)];
}
