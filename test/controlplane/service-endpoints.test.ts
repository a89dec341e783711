/**
 * A Service's endpoints from its pods, as the endpoints and endpointslice controllers compute
 * them: addresses of pods with one, ready or not, named target ports resolved from the pods'
 * container ports, and addresses a Service may not hold left out.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { endpointSubsets, resolveTargetPort, sliceContents } from '../../src/controlplane/services/service-endpoints.js';
import { mirroredSlices } from '../../src/controlplane/controllers/endpointslice-mirroring.js';

type Json = Record<string, unknown>;

const service = (spec: Json = {}): Json => ({
  metadata: { name: 'web', namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }], ...spec },
});

function pod(name: string, ip: string | undefined, ready: boolean, extra: Json = {}): Json {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'web' } },
    spec: { nodeName: 'node-1', containers: [{ name: 'main', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: { phase: 'Running', ...(ip ? { podIP: ip } : {}), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    ...extra,
  };
}
const node = (name: string): Json | undefined => (name === 'node-1' ? { metadata: { name, labels: { 'topology.kubernetes.io/zone': 'z1' } } } : undefined);

describe('service endpoints', () => {
  test('ready pods are addresses, unready ones not-ready addresses, with the named target port resolved', () => {
    const subsets = endpointSubsets(service(), [pod('b', '192.0.2.2', false), pod('a', '192.0.2.1', true), pod('c', undefined, true)]);
    assert.deepEqual(subsets, [{
      addresses: [{ ip: '192.0.2.1', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } }],
      notReadyAddresses: [{ ip: '192.0.2.2', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'b', uid: 'uid-b' } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    }]);
  });

  test('publishNotReadyAddresses makes every pod with an address ready', () => {
    const subsets = endpointSubsets(service({ publishNotReadyAddresses: true }), [pod('b', '192.0.2.2', false)]);
    assert.equal((subsets[0]!['addresses'] as Json[]).length, 1);
    assert.equal(subsets[0]!['notReadyAddresses'], undefined);
    const [slice] = sliceContents(service({ publishNotReadyAddresses: true }), [pod('b', '192.0.2.2', false)], node);
    assert.deepEqual((slice!.endpoints[0] as Json)['conditions'], { ready: true, serving: true, terminating: false });
  });

  test('a HostProcess pod on a loopback node address is left out: Endpoints may not hold it', () => {
    assert.deepEqual(endpointSubsets(service(), [pod('a', '127.0.0.1', true)]), []);
    assert.deepEqual(sliceContents(service(), [pod('a', '127.0.0.1', true)], node), []);
  });

  test('finished and deleted pods: out of Endpoints, terminating in slices', () => {
    const done = pod('done', '192.0.2.3', false, {});
    (done['status'] as Json)['phase'] = 'Succeeded';
    const going = pod('going', '192.0.2.4', true);
    (going['metadata'] as Json)['deletionTimestamp'] = '2026-01-01T00:00:00Z';
    assert.deepEqual(endpointSubsets(service(), [done, going]), []);
    const [slice] = sliceContents(service(), [done, going], node);
    assert.deepEqual(slice!.endpoints, [{
      addresses: ['192.0.2.4'], conditions: { ready: false, serving: true, terminating: true },
      targetRef: { kind: 'Pod', namespace: 'ns', name: 'going', uid: 'uid-going' }, nodeName: 'node-1', zone: 'z1',
    }]);
  });

  test('a named target port the pod lacks leaves it out of that port; a pod whose node is missing is left out of slices', () => {
    assert.equal(resolveTargetPort(pod('a', '192.0.2.1', true), { targetPort: 'metrics', protocol: 'TCP' }), undefined);
    assert.equal(resolveTargetPort(pod('a', '192.0.2.1', true), { targetPort: 'http', protocol: 'UDP' }), undefined);
    assert.equal(resolveTargetPort(pod('a', '192.0.2.1', true), { targetPort: 9000, protocol: 'TCP' }), 9000);
    assert.deepEqual(endpointSubsets(service({ ports: [{ name: 'm', port: 9, protocol: 'TCP', targetPort: 'metrics' }] }), [pod('a', '192.0.2.1', true)]), []);
    const lost = pod('lost', '192.0.2.5', true);
    (lost['spec'] as Json)['nodeName'] = 'gone';
    assert.deepEqual(sliceContents(service(), [lost], node), []);
  });

  test('user-managed Endpoints mirror into slices: ready and not-ready addresses, ports named ""', () => {
    assert.deepEqual(mirroredSlices([{ addresses: [{ ip: '192.0.2.1' }], notReadyAddresses: [{ ip: '192.0.2.2' }], ports: [{ port: 80, protocol: 'TCP' }] }]), [{
      endpoints: [{ addresses: ['192.0.2.1'], conditions: { ready: true } }, { addresses: ['192.0.2.2'], conditions: { ready: false } }],
      ports: [{ name: '', port: 80, protocol: 'TCP' }],
    }]);
  });
});
