/**
 * The Service allocator: cluster IPs and node ports from the service ranges, requested ones
 * checked with kube-apiserver's errors, others picked at random from the upper part of each
 * range, and what is taken read from the stored Services (so a deleted one frees its own).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatFieldError } from '../../src/policy/field.js';
import { allocateCreate, allocateUpdate, inUse } from '../../src/controlplane/services/service-allocation.js';
import { kubernetesServiceIP, parseIPv4, serviceNetwork } from '../../src/controlplane/services/service-network.js';
import { defaultService } from '../../src/api/defaults/service-defaults.js';

type Json = Record<string, unknown>;
const network = serviceNetwork('10.96.0.0/12', '30000-32767');

function svc(name: string, spec: Json): Json {
  const service: Json = { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec };
  defaultService(service);
  return service;
}
const spec = (service: Json): Json => service['spec'] as Json;
const messages = (errors: ReturnType<typeof allocateCreate>): string[] => errors.map(formatFieldError);

describe('service allocation', () => {
  test('the network of the flags: the range normalized, its first address for the kubernetes Service', () => {
    const custom = serviceNetwork('10.0.5.7/24', '31000-31010');
    assert.equal(custom.cidr, '10.0.5.0/24');
    assert.equal(kubernetesServiceIP(custom), '10.0.5.1');
    assert.deepEqual(custom.nodePorts, { first: 31000, last: 31010 });
    assert.throws(() => serviceNetwork('10.0.0.0/8'), /too large/);
    assert.throws(() => serviceNetwork('fd00::/108'), /IPv4 CIDR/);
    assert.throws(() => serviceNetwork(undefined, '32767-30000'), /FIRST-LAST/);
  });

  test('an allocated cluster IP is random in the upper part of the range, single-stack IPv4', () => {
    const service = svc('a', { ports: [{ port: 80 }] });
    assert.deepEqual(allocateCreate(service, network, inUse([]), () => 0), []);
    // The first 256 addresses are kept for requested ones: random 0 is the first address beyond them.
    assert.equal(spec(service)['clusterIP'], '10.96.1.1');
    assert.deepEqual(spec(service)['clusterIPs'], ['10.96.1.1']);
    assert.deepEqual(spec(service)['ipFamilies'], ['IPv4']);
    assert.equal(spec(service)['ipFamilyPolicy'], 'SingleStack');
  });

  test('a requested cluster IP is kept, and refused when taken or outside the range', () => {
    const taken = svc('dns', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 53 }] });
    const used = inUse([taken]);
    const again = svc('again', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 53 }] });
    assert.deepEqual(messages(allocateCreate(again, network, used)), ['spec.clusterIPs: Invalid value: ["10.96.0.10"]: failed to allocate IP 10.96.0.10: provided IP is already allocated']);
    const outside = svc('outside', { clusterIP: '10.200.0.1', clusterIPs: ['10.200.0.1'], ports: [{ port: 53 }] });
    assert.deepEqual(messages(allocateCreate(outside, network, used)), ['spec.clusterIPs: Invalid value: ["10.200.0.1"]: failed to allocate IP 10.200.0.1: the provided network does not match the current range']);
    const free = svc('free', { clusterIP: '10.96.0.11', clusterIPs: ['10.96.0.11'], ports: [{ port: 53 }] });
    assert.deepEqual(allocateCreate(free, network, used), []);
    assert.equal(spec(free)['clusterIP'], '10.96.0.11');
    // Without the first Service, its address is free again.
    assert.deepEqual(allocateCreate(svc('reuse', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 53 }] }), network, inUse([free])), []);
  });

  test('the address of the Service being updated is not counted as taken', () => {
    const service = svc('self', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ port: 80 }] });
    assert.equal(inUse([service], { namespace: 'default', name: 'self' }).ips.has(parseIPv4('10.96.0.20')!), false);
    assert.equal(inUse([service]).ips.has(parseIPv4('10.96.0.20')!), true);
  });

  test('headless and ExternalName Services take no address', () => {
    const headless = svc('h', { clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'h' } });
    assert.deepEqual(allocateCreate(headless, network, inUse([])), []);
    assert.deepEqual(spec(headless)['clusterIPs'], ['None']);
    const external = svc('x', { type: 'ExternalName', externalName: 'example.com' });
    assert.deepEqual(allocateCreate(external, network, inUse([])), []);
    assert.equal(spec(external)['clusterIP'], undefined);
    assert.equal(spec(external)['ipFamilies'], undefined);
  });

  test('dual-stack requests are refused on this single-stack range', () => {
    assert.deepEqual(messages(allocateCreate(svc('d', { ipFamilyPolicy: 'RequireDualStack', ports: [{ port: 80 }] }), network, inUse([]))),
      ['spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services']);
    assert.deepEqual(messages(allocateCreate(svc('v6', { ipFamilies: ['IPv6'], ports: [{ port: 80 }] }), network, inUse([]))),
      ['spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster']);
    const prefer = svc('p', { ipFamilyPolicy: 'PreferDualStack', ports: [{ port: 80 }] });
    assert.deepEqual(allocateCreate(prefer, network, inUse([])), []);
    assert.deepEqual(spec(prefer)['ipFamilies'], ['IPv4']);
  });

  test('node ports: random in the upper part, requested ones checked, one per port number across protocols', () => {
    const dns = svc('dns', { type: 'NodePort', ports: [{ name: 'udp', port: 53, protocol: 'UDP' }, { name: 'tcp', port: 53, protocol: 'TCP' }, { name: 'm', port: 9153, nodePort: 30010 }] });
    assert.deepEqual(allocateCreate(dns, network, inUse([]), () => 0), []);
    const ports = spec(dns)['ports'] as Json[];
    // 2768 ports: the first 86 are kept for requested ones.
    assert.equal(ports[0]!['nodePort'], 30086);
    assert.equal(ports[1]!['nodePort'], 30086);
    assert.equal(ports[2]!['nodePort'], 30010);
    const used = inUse([dns]);
    assert.deepEqual(messages(allocateCreate(svc('b', { type: 'NodePort', ports: [{ port: 80, nodePort: 30010 }] }), network, used)),
      ['spec.ports[0].nodePort: Invalid value: 30010: provided port is already allocated']);
    assert.deepEqual(messages(allocateCreate(svc('c', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }), network, used)),
      ['spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767']);
  });

  test('a full range says so', () => {
    const tiny = serviceNetwork('10.0.0.0/30', '30000-30000');
    const first = svc('a', { ports: [{ port: 80 }] });
    assert.deepEqual(allocateCreate(first, tiny, inUse([])), []);
    const second = svc('b', { ports: [{ port: 80 }] });
    assert.deepEqual(allocateCreate(second, tiny, inUse([first])), []);
    assert.deepEqual(messages(allocateCreate(svc('c', { ports: [{ port: 80 }] }), tiny, inUse([first, second]))), ['spec.clusterIPs: Invalid value: []: failed to allocate a serviceIP: range is full']);
  });

  test('an update to a type that needs an address or node ports gets them; kept node ports are not taken from itself', () => {
    const before = svc('x', { type: 'ExternalName', externalName: 'example.com', ports: [{ port: 80 }] });
    const after = svc('x', { type: 'NodePort', ports: [{ port: 80 }] });
    assert.deepEqual(allocateUpdate(after, before, network, inUse([])), []);
    assert.match(String(spec(after)['clusterIP']), /^10\.(9[6-9]|10\d|11[01])\./);
    assert.equal(typeof (spec(after)['ports'] as Json[])[0]!['nodePort'], 'number');
    const same = svc('x', { ...spec(after) });
    assert.deepEqual(allocateUpdate(same, after, network, inUse([after])), []);
  });
});
