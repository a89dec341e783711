/**
 * Services through the control plane's API, in process: the ranges `hostpod up` is given, the
 * `kubernetes` Service, allocations that survive a restart and are freed by a deletion or a
 * type change, endpoints that follow pods, and the deprecation warning of Endpoints.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ControlPlane } from '../../src/controlplane/control-plane.js';
import { api, eventually } from '../support/controlplane.js';

const SERVICES = '/api/v1/namespaces/default/services';
const service = (name: string, spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });
const start = (dataDir: string): Promise<ControlPlane> =>
  ControlPlane.start({ dataDir, host: '127.0.0.1', port: 0, serviceClusterIPRange: '10.0.0.0/24', serviceNodePortRange: '31000-31009' });

describe('services through the API', () => {
  let dir: string;
  let plane: ControlPlane;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostpod-services-api-'));
    plane = await start(dir);
  });
  after(async () => {
    await plane.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the kubernetes Service has the first address of --service-cluster-ip-range and targets the API server\'s port', async () => {
    const kubernetes = await eventually(async () => {
      const got = await api(plane, 'GET', `${SERVICES}/kubernetes`);
      return got.status === 200 ? got.json() : undefined;
    }, 10_000, 'the kubernetes Service');
    const spec = kubernetes['spec'] as Record<string, unknown>;
    assert.equal(spec['clusterIP'], '10.0.0.1');
    assert.deepEqual(spec['ports'], [{ name: 'https', port: 443, protocol: 'TCP', targetPort: Number(new URL(plane.url).port) }]);
    // On loopback it has no endpoints: Endpoints may not hold a loopback address.
    assert.equal((await api(plane, 'GET', '/api/v1/namespaces/default/endpoints/kubernetes')).status, 404);
  });

  test('allocations come from the ranges given, and a restart keeps them taken', async () => {
    const created = await api(plane, 'POST', SERVICES, { body: service('np', { type: 'NodePort', clusterIP: '10.0.0.10', ports: [{ port: 80, nodePort: 31005 }] }) });
    assert.equal(created.status, 201, created.body);
    const outside = await api(plane, 'POST', SERVICES, { body: service('far', { type: 'NodePort', ports: [{ port: 80, nodePort: 30000 }] }) });
    assert.equal(outside.json()['message'], 'Service "far" is invalid: spec.ports[0].nodePort: Invalid value: 30000: provided port is not in the valid range. The range of valid ports is 31000-31009');
    await plane.stop();
    plane = await start(dir);
    const again = await api(plane, 'POST', SERVICES, { body: service('again', { clusterIP: '10.0.0.10', ports: [{ port: 80 }] }) });
    assert.equal(again.status, 422);
    assert.equal(again.json()['message'], 'Service "again" is invalid: spec.clusterIPs: Invalid value: ["10.0.0.10"]: failed to allocate IP 10.0.0.10: provided IP is already allocated');
    const port = await api(plane, 'POST', SERVICES, { body: service('port', { type: 'NodePort', ports: [{ port: 80, nodePort: 31005 }] }) });
    assert.equal(port.json()['message'], 'Service "port" is invalid: spec.ports[0].nodePort: Invalid value: 31005: provided port is already allocated');
  });

  test('a type change frees the node ports and a deletion the address', async () => {
    const changed = await api(plane, 'PATCH', `${SERVICES}/np`, { body: { spec: { type: 'ClusterIP' } }, contentType: 'application/strategic-merge-patch+json' });
    assert.equal(changed.status, 200, changed.body);
    assert.equal(((changed.json()['spec'] as { ports: Record<string, unknown>[] }).ports[0]!)['nodePort'], undefined);
    const port = await api(plane, 'POST', SERVICES, { body: service('port', { type: 'NodePort', ports: [{ port: 80, nodePort: 31005 }] }) });
    assert.equal(port.status, 201, port.body);
    assert.equal((await api(plane, 'DELETE', `${SERVICES}/np`)).status, 200);
    const reuse = await api(plane, 'POST', SERVICES, { body: service('reuse', { clusterIP: '10.0.0.10', ports: [{ port: 80 }] }) });
    assert.equal(reuse.status, 201, reuse.body);
  });

  test('the node port range runs out with kube-apiserver\'s error', async () => {
    const ports = Array.from({ length: 9 }, (_, i) => ({ name: `p${i}`, port: 1000 + i }));
    const filled = await api(plane, 'POST', SERVICES, { body: service('filler', { type: 'NodePort', ports }) });
    assert.equal(filled.status, 201, filled.body);
    const full = await api(plane, 'POST', SERVICES, { body: service('full', { type: 'NodePort', ports: [{ port: 80 }] }) });
    assert.equal(full.status, 422);
    assert.match(full.json()['message'] as string, /range is full/);
  });

  test('every Endpoints request carries kube-apiserver\'s deprecation warning, before any other', async () => {
    const list = await api(plane, 'GET', '/api/v1/namespaces/default/endpoints');
    assert.deepEqual(list.headers['warning'], '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"');
    const missing = await api(plane, 'GET', '/api/v1/namespaces/default/endpoints/none');
    assert.equal(missing.status, 404);
    assert.match(String(missing.headers['warning']), /v1 Endpoints is deprecated/);
    assert.equal((await api(plane, 'GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices')).headers['warning'], undefined);
  });

  test('the endpoints of a selecting Service follow its pod from no address to ready to gone', async () => {
    const created = await api(plane, 'POST', SERVICES, { body: service('web', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] }) });
    assert.equal(created.status, 201, created.body);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: 'example/web' }] } };
    assert.equal((await api(plane, 'POST', '/api/v1/namespaces/default/pods', { body: pod })).status, 201);
    const subsets = async (): Promise<unknown> => (await api(plane, 'GET', '/api/v1/namespaces/default/endpoints/web')).json()['subsets'];
    await eventually(async () => ((await api(plane, 'GET', '/api/v1/namespaces/default/endpoints/web')).status === 200 ? true : undefined), 10_000, 'the Endpoints');
    assert.equal(await subsets(), undefined);
    const status = { status: { phase: 'Running', podIP: '192.0.2.7', conditions: [{ type: 'Ready', status: 'True' }] } };
    assert.equal((await api(plane, 'PATCH', '/api/v1/namespaces/default/pods/web/status', { body: status, contentType: 'application/merge-patch+json' })).status, 200);
    const ready = await eventually(async () => ((await subsets()) ? await subsets() : undefined), 10_000, 'the ready address');
    assert.deepEqual((ready as { addresses: { ip: string }[]; ports: unknown }[])[0]!.addresses.map((a) => a.ip), ['192.0.2.7']);
    assert.equal((await api(plane, 'DELETE', '/api/v1/namespaces/default/pods/web', { body: { gracePeriodSeconds: 0 } })).status, 200);
    await eventually(async () => ((await subsets()) === undefined ? true : undefined), 10_000, 'the address gone');
  });
});
