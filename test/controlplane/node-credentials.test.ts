/**
 * A node agent's credentials at the API server: a client certificate from the cluster CA names
 * the user (CN) and its groups (O), as kube-apiserver's x509 authenticator reads it, and a node
 * (`system:node:NAME` in `system:nodes`) may do the kubelet's work and no more.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createCa, issueCertificate } from '../../src/pki.js';
import { ApiError, KubeClient } from '../../src/node/kube-client/client.js';
import { serviceEnvironment } from '../../src/node/agent.js';
import { api, nodeClient, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let started: StartedPlane;
let node: KubeClient;
before(async () => {
  started = await startControlPlane();
  node = await nodeClient(started.plane, 'n1');
});
after(async () => {
  node.close();
  await started.stop();
});

async function code(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
}

test('a node registers itself, reports its status and renews its lease', async () => {
  assert.equal(await code(node.create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } })), 200);
  assert.equal(await code(node.mergePatch('/api/v1/nodes/n1/status', { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok' }] } })), 200);
  assert.equal(await code(node.create('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1' }, spec: { holderIdentity: 'n1' } })), 200);
  assert.equal(await code(node.get('/api/v1/pods', { fieldSelector: 'spec.nodeName=n1' })), 200);
  // No pod bound to n1 refers to it: the Node authorizer keeps it from n1 (node-authorizer.test.ts).
  assert.equal(await code(node.get('/api/v1/namespaces/default/configmaps/kube-root-ca.crt')), 403);
});

test("a node may not change other nodes, namespaces or pods' specs", async () => {
  assert.equal((await api(started.plane, 'POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } } })).status, 201);
  assert.equal(await code(node.mergePatch('/api/v1/nodes/n2/status', { status: {} })), 403);
  assert.equal(await code(node.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mine' } })), 403);
  assert.equal(await code(node.create('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } })), 403);
});

test('a certificate from another CA is not a user: 401', async () => {
  const stranger = await issueCertificate(await createCa(), { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'client' });
  const client = new KubeClient({ server: started.plane.url, ca: started.plane.pki.ca.cert, insecureSkipTlsVerify: false, clientCert: stranger.cert, clientKey: stranger.key });
  try {
    assert.equal(await code(client.get('/api/v1/nodes')), 401);
  } finally {
    client.close();
  }
});

test('the service variables in-cluster clients use point at the API server', () => {
  assert.deepEqual(serviceEnvironment('https://127.0.0.1:6443'), {
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    KUBERNETES_SERVICE_PORT: '6443',
    KUBERNETES_SERVICE_PORT_HTTPS: '6443',
    KUBERNETES_PORT: 'tcp://127.0.0.1:6443',
    KUBERNETES_PORT_6443_TCP: 'tcp://127.0.0.1:6443',
    KUBERNETES_PORT_6443_TCP_PROTO: 'tcp',
    KUBERNETES_PORT_6443_TCP_PORT: '6443',
    KUBERNETES_PORT_6443_TCP_ADDR: '127.0.0.1',
  });
  assert.equal(serviceEnvironment('https://[::1]:443').KUBERNETES_PORT, 'tcp://[::1]:443');
});
