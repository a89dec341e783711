/**
 * The agent's Node registration and heartbeat against `hostpod up`'s control plane, through the
 * agent's own Kubernetes client and the admin kubeconfig (the API only, no in-process shortcut).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KubeClient, type WatchEvent } from '../../src/node/kube-client/client.js';
import { loadKubeconfig } from '../../src/node/kube-client/kubeconfig.js';
import { registerNode, startHeartbeat } from '../../src/node/node-registration.js';
import type { NodeFacts } from '../../src/node/node-status.js';
import { api, eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let started: StartedPlane;
let client: KubeClient;
let facts: NodeFacts;
before(async () => {
  started = await startControlPlane();
  client = new KubeClient(loadKubeconfig(started.kubeconfig));
  facts = { name: 'agent-node', address: '127.0.0.1', kubeletPort: 10250, dataDir: started.dir, hostpodVersion: '0.1.0' };
});
after(async () => {
  client.close();
  await started.stop();
});

interface NodeView {
  metadata: { uid: string; labels: Record<string, string> };
  status: {
    capacity: Record<string, string>;
    conditions: { type: string; status: string; reason: string; lastTransitionTime: string }[];
    addresses: { type: string; address: string }[];
    daemonEndpoints: { kubeletEndpoint: { Port: number } };
    nodeInfo: Record<string, string>;
  };
}

describe('node registration', () => {
  test('registers the node with its labels, capacity, conditions, nodeInfo and kubelet endpoint', async () => {
    await registerNode(client, facts);
    const node = (await api(started.plane, 'GET', '/api/v1/nodes/agent-node')).json() as unknown as NodeView;
    assert.equal(node.metadata.labels['kubernetes.io/os'], 'linux');
    assert.equal(node.metadata.labels['kubernetes.io/hostname'], 'agent-node');
    assert.equal(node.metadata.labels['kubernetes.io/arch'], process.arch === 'x64' ? 'amd64' : process.arch);
    assert.equal(node.status.capacity['pods'], '110');
    assert.equal(node.status.capacity['cpu'], String(cpus().length));
    assert.match(node.status.capacity['memory']!, /^\d+Ki$/);
    assert.deepEqual(node.status.conditions.map((c) => `${c.type}=${c.status}`), ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True']);
    assert.deepEqual(node.status.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'agent-node' }]);
    assert.equal(node.status.daemonEndpoints.kubeletEndpoint.Port, 10250);
    assert.equal(node.status.nodeInfo['containerRuntimeVersion'], 'hostpod://0.1.0');
    assert.equal(node.status.nodeInfo['kernelVersion'], release());
    assert.equal(node.status.nodeInfo['operatingSystem'], 'linux');
  });

  test('registering again (a restart) keeps labels others set and the conditions\' transition times', async () => {
    const first = (await api(started.plane, 'GET', '/api/v1/nodes/agent-node')).json() as unknown as NodeView;
    await api(started.plane, 'PATCH', '/api/v1/nodes/agent-node', { contentType: 'application/merge-patch+json', body: { metadata: { labels: { team: 'infra' } } } });
    await new Promise((r) => setTimeout(r, 1100));
    await registerNode(client, facts);
    const again = (await api(started.plane, 'GET', '/api/v1/nodes/agent-node')).json() as unknown as NodeView;
    assert.equal(again.metadata.uid, first.metadata.uid);
    assert.equal(again.metadata.labels['team'], 'infra');
    const ready = (n: NodeView) => n.status.conditions.find((c) => c.type === 'Ready')!;
    assert.equal(ready(again).lastTransitionTime, ready(first).lastTransitionTime);
  });

  test('the heartbeat renews a Lease in kube-node-lease owned by the node', async () => {
    const node = await registerNode(client, facts);
    const heartbeat = startHeartbeat(client, facts, node, () => {}, { renewMs: 100 });
    try {
      const path = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/agent-node';
      const lease = await eventually(async () => {
        const response = await api(started.plane, 'GET', path);
        return response.status === 200 ? response.json() as { spec: { holderIdentity: string; renewTime: string; leaseDurationSeconds: number }; metadata: { ownerReferences: { kind: string; uid: string }[] } } : undefined;
      }, 5000, 'the lease');
      assert.equal(lease.spec.holderIdentity, 'agent-node');
      assert.equal(lease.spec.leaseDurationSeconds, 40);
      assert.deepEqual(lease.metadata.ownerReferences.map((o) => `${o.kind}/${o.uid}`), [`Node/${node.metadata.uid}`]);
      await eventually(async () => {
        const renewed = (await api(started.plane, 'GET', path)).json() as { spec: { renewTime: string } };
        return renewed.spec.renewTime > lease.spec.renewTime ? true : undefined;
      }, 5000, 'a renewal');
    } finally {
      heartbeat.stop();
    }
  });
});

describe('the agent\'s Kubernetes client', () => {
  test('watches from a resourceVersion and sees changes in order', async () => {
    const list = await client.get<{ metadata: { resourceVersion: string } }>('/api/v1/namespaces/default/configmaps');
    const events: WatchEvent<{ metadata: { name: string } }>[] = [];
    const abort = new AbortController();
    const watching = client.watch<{ metadata: { name: string } }>('/api/v1/namespaces/default/configmaps', { resourceVersion: list.metadata.resourceVersion }, (e) => events.push(e), abort.signal);
    for (const name of ['one', 'two']) await client.create('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    await client.delete('/api/v1/namespaces/default/configmaps/one');
    await eventually(() => (events.filter((e) => e.type !== 'BOOKMARK').length >= 3 ? true : undefined), 5000, 'three events');
    abort.abort();
    await watching;
    assert.deepEqual(events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED one', 'ADDED two', 'DELETED one']);
  });

  test('reports API errors with the server\'s reason and message', async () => {
    await assert.rejects(client.get('/api/v1/namespaces/default/configmaps/missing'), { code: 404, reason: 'NotFound', message: 'configmaps "missing" not found' });
  });

  test('a kubeconfig without the named context is refused, naming the file and the context', () => {
    const file = join(started.dir, 'broken.kubeconfig');
    writeFileSync(file, 'apiVersion: v1\nkind: Config\ncurrent-context: elsewhere\ncontexts: []\n');
    assert.throws(() => loadKubeconfig(file), { message: `kubeconfig ${file}: context "elsewhere" is not defined` });
  });
});
