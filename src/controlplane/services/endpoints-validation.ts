/**
 * Endpoints (core/v1) and EndpointSlice (discovery.k8s.io/v1) validation, as ValidateEndpoints
 * and ValidateEndpointSlice: valid addresses that are not loopback, link-local or unspecified
 * (ValidateEndpointIP), node names, host names, ports and protocols.
 */
import { isJsonObject, type JsonObject } from '../../api/defaults/json.js';
import { duplicate, FieldPath, invalid, notSupported, required, type FieldError } from '../../policy/field.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '../../policy/validation/names.js';
import { parseIPv4 } from './service-network.js';

const PORT_RANGE = 'must be between 1 and 65535, inclusive';
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const objects = (value: unknown): JsonObject[] => (Array.isArray(value) ? value.filter(isJsonObject) : []);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** An IPv6 address, roughly: hex groups and colons (with an IPv4 tail allowed). */
function isIPv6(text: string): boolean {
  return text.includes(':') && /^[0-9a-fA-F:.]+$/.test(text) && (text.match(/::/g) ?? []).length <= 1;
}

function ipv6Problems(ip: string): string[] {
  const lower = ip.toLowerCase();
  if (/^[0:]+$/.test(lower)) return [`may not be unspecified (${ip})`];
  if (/^[0:]*:0*1$/.test(lower)) return ['may not be in the loopback range (127.0.0.0/8, ::1/128)'];
  if (/^fe[89ab][0-9a-f]?:/.test(lower)) return ['may not be in the link-local range (169.254.0.0/16, fe80::/10)'];
  if (/^ff02:/.test(lower)) return ['may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'];
  return [];
}

/** Why an address may not be an endpoint (ValidateEndpointIP); empty when it may. */
export function endpointIPProblems(ip: string): string[] {
  const value = parseIPv4(ip);
  if (value === undefined) return isIPv6(ip) ? ipv6Problems(ip) : ['must be a valid IP address'];
  const problems: string[] = [];
  const first = Math.floor(value / 2 ** 24);
  const second = Math.floor(value / 2 ** 16) % 256;
  if (value === 0) problems.push(`may not be unspecified (${ip})`);
  if (first === 127) problems.push('may not be in the loopback range (127.0.0.0/8, ::1/128)');
  if (first === 169 && second === 254) problems.push('may not be in the link-local range (169.254.0.0/16, fe80::/10)');
  if (Math.floor(value / 2 ** 8) === 0xe00000) problems.push('may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)');
  return problems;
}

/** IsValidIP, then ValidateEndpointIP (which says again that a non-address is none). */
function validateIP(ip: unknown, path: FieldPath): FieldError[] {
  const text = str(ip);
  const errors = parseIPv4(text) === undefined && !isIPv6(text) ? [invalid(path, text, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')] : [];
  return [...errors, ...endpointIPProblems(text).map((message) => invalid(path, text, message))];
}

function validateNodeName(name: unknown, path: FieldPath): FieldError[] {
  if (name === undefined || name === null) return [];
  return isDNS1123Subdomain(str(name)).map((message) => invalid(path, str(name), message));
}

function validateAddress(address: JsonObject, path: FieldPath): FieldError[] {
  const errors = validateIP(address['ip'], path.child('ip'));
  const hostname = str(address['hostname']);
  if (hostname !== '') errors.push(...isDNS1123Label(hostname).map((m) => invalid(path.child('hostname'), hostname, m)));
  errors.push(...validateNodeName(address['nodeName'], path.child('nodeName')));
  return errors;
}

function validatePort(port: JsonObject, path: FieldPath, requireName: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const name = str(port['name']);
  if (requireName && name === '') errors.push(required(path.child('name')));
  else if (name !== '') errors.push(...isDNS1123Label(name).map((m) => invalid(path.child('name'), name, m)));
  const number = typeof port['port'] === 'number' ? port['port'] : 0;
  if (!Number.isInteger(number) || number < 1 || number > 65535) errors.push(invalid(path.child('port'), number, PORT_RANGE));
  errors.push(...validateProtocol(port['protocol'], path.child('protocol')));
  if (typeof port['appProtocol'] === 'string') errors.push(...isQualifiedName(port['appProtocol']).map((m) => invalid(path.child('appProtocol'), port['appProtocol'], m)));
  return errors;
}

function validateProtocol(protocol: unknown, path: FieldPath): FieldError[] {
  if (protocol === undefined || protocol === null || protocol === '') return [required(path)];
  return PROTOCOLS.includes(str(protocol)) ? [] : [notSupported(path, protocol, PROTOCOLS)];
}

/** ValidateEndpoints: each subset's addresses and ports. */
export function validateEndpoints(endpoints: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  objects(endpoints['subsets']).forEach((subset, i) => {
    const path = FieldPath.root('subsets').index(i);
    const addresses = objects(subset['addresses']);
    const notReady = objects(subset['notReadyAddresses']);
    if (addresses.length === 0 && notReady.length === 0) errors.push(required(path, 'must specify `addresses` or `notReadyAddresses`'));
    addresses.forEach((a, j) => errors.push(...validateAddress(a, path.child('addresses').index(j))));
    notReady.forEach((a, j) => errors.push(...validateAddress(a, path.child('notReadyAddresses').index(j))));
    const ports = objects(subset['ports']);
    ports.forEach((p, j) => errors.push(...validatePort(p, path.child('ports').index(j), ports.length > 1)));
  });
  return errors;
}

/** ValidateEndpointSlice, and on an update the address type's immutability. */
export function validateEndpointSlice(slice: JsonObject, current: JsonObject | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const addressType = str(slice['addressType']);
  if (current) {
    if (addressType !== str(current['addressType'])) errors.push(invalid(FieldPath.root('addressType'), addressType, 'field is immutable'));
  } else if (addressType === '') {
    errors.push(required(FieldPath.root('addressType')));
  } else if (!ADDRESS_TYPES.includes(addressType)) {
    errors.push(notSupported(FieldPath.root('addressType'), addressType, ADDRESS_TYPES));
  }
  const names = new Set<string>();
  objects(slice['ports']).forEach((port, i) => {
    const path = FieldPath.root('ports').index(i);
    const name = str(port['name']);
    if (name !== '') errors.push(...isDNS1123Label(name).map((m) => invalid(path.child('name'), name, m)));
    if (names.has(name)) errors.push(duplicate(path.child('name'), name));
    names.add(name);
    errors.push(...validateProtocol(port['protocol'], path.child('protocol')));
    if (typeof port['port'] === 'number' && (port['port'] < 1 || port['port'] > 65535)) errors.push(invalid(path.child('port'), port['port'], PORT_RANGE));
  });
  objects(slice['endpoints']).forEach((endpoint, i) => {
    const path = FieldPath.root('endpoints').index(i);
    const addresses = Array.isArray(endpoint['addresses']) ? endpoint['addresses'] : [];
    if (addresses.length === 0) errors.push(required(path.child('addresses'), 'must contain at least 1 address'));
    addresses.forEach((address, j) => {
      const at = path.child('addresses').index(j);
      const text = str(address);
      if (addressType === 'IPv4' || addressType === 'IPv6') {
        if (parseIPv4(text) === undefined && !isIPv6(text)) {
          errors.push(invalid(at, text, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
          return;
        }
        const family = parseIPv4(text) === undefined ? 'IPv6' : 'IPv4';
        // The family's error names the list, not the address (as kube-apiserver does).
        if (family !== addressType) errors.push(invalid(path.child('addresses'), text, `must be an ${addressType} address`));
        errors.push(...endpointIPProblems(text).map((m) => invalid(at, text, m)));
      } else if (addressType === 'FQDN') {
        errors.push(...isDNS1123Subdomain(str(address)).map((m) => invalid(at, address, m)));
      }
    });
    errors.push(...validateNodeName(endpoint['nodeName'], path.child('nodeName')));
    if (typeof endpoint['hostname'] === 'string') errors.push(...isDNS1123Label(endpoint['hostname']).map((m) => invalid(path.child('hostname'), endpoint['hostname'], m)));
  });
  return errors;
}
