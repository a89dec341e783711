/**
 * NodeRestriction, as kube-apiserver's admission plugin and Node authorizer enforce it: a node
 * (`system:node:NAME` in `system:nodes`) modifies only its own Node and Lease and the pods bound
 * to it, and sets no labels a node may not set on itself; each refusal in upstream's words.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError, type KubeClient } from '../../src/node/kube-client/client.js';
import { api, nodeClient, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let started: StartedPlane;
let n1: KubeClient;
before(async () => {
  started = await startControlPlane();
  n1 = await nodeClient(started.plane, 'n1');
  for (const node of ['n1', 'n2']) {
    const created = await api(started.plane, 'POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: node } } });
    assert.equal(created.status, 201, created.body);
  }
  await api(started.plane, 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n2' } } });
});
after(async () => {
  n1.close();
  await started.stop();
});

async function pod(name: string, nodeName: string): Promise<void> {
  const created = await api(started.plane, 'POST', '/api/v1/namespaces/default/pods', {
    body: { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } },
  });
  assert.equal(created.status, 201, created.body);
}

/** The answer to a request: 200 or the error's code, and its message. */
async function answer(request: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await request;
    return { code: 200, message: '' };
  } catch (error) {
    if (error instanceof ApiError) return { code: error.code, message: error.message };
    throw error;
  }
}

const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: name } });
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
const status = { status: { conditions: [{ type: 'Ready', status: 'True' }] } };

describe('NodeRestriction', () => {
  before(async () => {
    await pod('mine', 'n1');
    await pod('theirs', 'n2');
    await pod('mine-to-delete', 'n1');
  });

  const rows: [string, () => Promise<unknown>, number, string?][] = [
    ['patch the status of its own pod', () => n1.mergePatch('/api/v1/namespaces/default/pods/mine/status', status), 200],
    ['patch the status of a pod on another node', () => n1.mergePatch('/api/v1/namespaces/default/pods/theirs/status', status), 403,
      'pods "theirs" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself'],
    ['replace the status of a pod on another node', async () => {
      const current = (await api(started.plane, 'GET', '/api/v1/namespaces/default/pods/theirs')).json();
      return n1.request('PUT', '/api/v1/namespaces/default/pods/theirs/status', { body: current });
    }, 403, 'pods "theirs" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself'],
    ['change its own pod\'s labels through the status', () => n1.mergePatch('/api/v1/namespaces/default/pods/mine/status', { metadata: { labels: { app: 'other' } } }), 403,
      'pods "mine" is forbidden: node "n1" cannot update labels through pod status'],
    ['delete a pod on another node', () => n1.delete('/api/v1/namespaces/default/pods/theirs'), 403,
      'pods "theirs" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself'],
    ['delete its own pod', () => n1.delete('/api/v1/namespaces/default/pods/mine-to-delete'), 200],
    ['create a pod that is not a mirror pod', () => n1.create('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'made' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } }), 403,
      'pods "made" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods'],
    ['create another Node', () => n1.create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n3' } }), 403,
      'nodes "n3" is forbidden: node "n1" is not allowed to modify node "n3"'],
    ['patch another Node', () => n1.mergePatch('/api/v1/nodes/n2', { metadata: { labels: { a: 'b' } } }), 403,
      'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"'],
    ['patch another Node\'s status', () => n1.mergePatch('/api/v1/nodes/n2/status', status), 403,
      'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"'],
    ['patch its own Node\'s status', () => n1.mergePatch('/api/v1/nodes/n1/status', status), 200],
    ['label its own Node', () => n1.mergePatch('/api/v1/nodes/n1', { metadata: { labels: { 'example.com/rack': 'r1', 'node.kubernetes.io/instance-type': 'big', 'topology.kubernetes.io/zone': 'z' } } }), 200],
    ['set a node-restriction.kubernetes.io/ label on its own Node', () => n1.mergePatch('/api/v1/nodes/n1', { metadata: { labels: { 'node-restriction.kubernetes.io/trusted': 'yes' } } }), 403,
      'nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/trusted'],
    ['set a kubernetes.io label that is not the kubelet\'s on its own Node', () => n1.mergePatch('/api/v1/nodes/n1/status', { metadata: { labels: { 'kubernetes.io/role': 'master', 'example.k8s.io/x': 'y' } } }), 403,
      'nodes "n1" is forbidden: is not allowed to modify labels: example.k8s.io/x, kubernetes.io/role'],
    ['mark its own Node unschedulable', () => n1.mergePatch('/api/v1/nodes/n1', { spec: { taints: [], unschedulable: true } }), 200],
    ['remove a taint from its own Node', async () => {
      await api(started.plane, 'PATCH', '/api/v1/nodes/n1', { contentType: 'application/merge-patch+json', body: { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] } } });
      return n1.mergePatch('/api/v1/nodes/n1', { spec: { taints: null } });
    }, 403, 'nodes "n1" is forbidden: node "n1" is not allowed to modify taints'],
    ['delete its own Node', () => n1.delete('/api/v1/nodes/n1'), 403,
      'nodes "n1" is forbidden: User "system:node:n1" cannot delete resource "nodes" in API group "" at the cluster scope'],
    ['create its own Lease', () => n1.create(LEASES, lease('n1')), 200],
    ['renew its own Lease', () => n1.mergePatch(`${LEASES}/n1`, { spec: { renewTime: '2026-01-01T00:00:00.000000Z' } }), 200],
    ['create another node\'s Lease', () => n1.create(LEASES, lease('n9')), 403,
      'leases.coordination.k8s.io "n9" is forbidden: can only access node lease with the same name as the requesting node'],
    ['renew another node\'s Lease', () => n1.mergePatch(`${LEASES}/n2`, { spec: { holderIdentity: 'n1' } }), 403,
      'leases.coordination.k8s.io "n2" is forbidden: User "system:node:n1" cannot patch resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node'],
    ['list the Leases', () => n1.get(LEASES), 403,
      'leases.coordination.k8s.io is forbidden: User "system:node:n1" cannot list resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only get, create, update, patch, or delete a node lease'],
    ['create a Lease in another namespace', () => n1.create('/apis/coordination.k8s.io/v1/namespaces/default/leases', lease('n1')), 403,
      // A create's authorization has no name yet: kube-apiserver's message names none either.
      'leases.coordination.k8s.io is forbidden: User "system:node:n1" cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "default": can only access leases in the "kube-node-lease" system namespace'],
  ];
  for (const [action, request, code, message] of rows) {
    test(`a node may ${code === 200 ? '' : 'not '}${action}`, async () => {
      const got = await answer(request());
      assert.equal(got.code, code, got.message);
      if (message !== undefined) assert.equal(got.message, message);
    });
  }

  test('a node registers with the kubelet\'s labels, and not with node-restriction.kubernetes.io/ ones', async () => {
    const fresh = await nodeClient(started.plane, 'fresh');
    try {
      const refused = await answer(fresh.create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'fresh', labels: { 'node-restriction.kubernetes.io/pool': 'gold' } } }));
      assert.deepEqual(refused, { code: 403, message: 'nodes "fresh" is forbidden: node "fresh" is not allowed to set the following labels: node-restriction.kubernetes.io/pool' });
      const labels = { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': 'fresh', 'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64' };
      assert.equal((await answer(fresh.create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'fresh', labels } }))).code, 200);
    } finally {
      fresh.close();
    }
  });
});
