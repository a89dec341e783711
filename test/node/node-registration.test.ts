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

describe('node status reports', () => {
  /** The agent's client, counting status reports and failing Lease renewals while `leaseDown`. */
  function spy(): { client: KubeClient; reports: () => number; leaseDown: (down: boolean) => void } {
    let reports = 0;
    let down = false;
    const wrapped = new Proxy(client, {
      get(target, property) {
        if (property === 'strategicPatch') {
          return (path: string, body: unknown) => {
            if (path.endsWith('/status')) reports++;
            return target.strategicPatch(path, body);
          };
        }
        if (property === 'mergePatch') {
          return (path: string, body: unknown) => (down && path.includes('/leases/') ? Promise.reject(new Error('connect ECONNREFUSED')) : target.mergePatch(path, body));
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    return { client: wrapped, reports: () => reports, leaseDown: (d) => (down = d) };
  }

  test('an idle node reports its status only when it changed or when the report interval passed, as the kubelet does', async () => {
    const live = { ...facts };
    const node = await registerNode(client, live);
    const agent = spy();
    const heartbeat = startHeartbeat(agent.client, live, node, () => {}, { renewMs: 1000, statusMs: 50, reportMs: 60_000 });
    try {
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(agent.reports(), 0, 'nothing changed: no report');
      live.kubeletPort = 10251;
      await eventually(() => (agent.reports() === 1 ? true : undefined), 2000, 'the changed status reported');
      const changed = (await api(started.plane, 'GET', '/api/v1/nodes/agent-node')).json() as unknown as NodeView;
      assert.equal(changed.status.daemonEndpoints.kubeletEndpoint.Port, 10251);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(agent.reports(), 1, 'once');
    } finally {
      heartbeat.stop();
    }
    const periodic = spy();
    const often = startHeartbeat(periodic.client, live, node, () => {}, { renewMs: 1000, statusMs: 50, reportMs: 200 });
    await new Promise((r) => setTimeout(r, 700));
    often.stop();
    assert.ok(periodic.reports() >= 2 && periodic.reports() <= 4, `every 200 ms when unchanged: ${periodic.reports()} reports in 700 ms`);
  });

  test('after missed Lease renewals the node reports Ready at once, undoing the node lifecycle controller\'s Unknown', async () => {
    const node = await registerNode(client, facts);
    const agent = spy();
    const heartbeat = startHeartbeat(agent.client, facts, node, () => {}, { renewMs: 100, statusMs: 50, reportMs: 60_000 });
    try {
      agent.leaseDown(true);
      // Meanwhile the controller marks the node Unknown.
      const unknown = { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' };
      const marked = await api(started.plane, 'PATCH', '/api/v1/nodes/agent-node/status', { contentType: 'application/strategic-merge-patch+json', body: { status: { conditions: [unknown] } } });
      assert.equal(marked.status, 200);
      await new Promise((r) => setTimeout(r, 400));
      const before = agent.reports();
      agent.leaseDown(false);
      const ready = await eventually(async () => {
        const n = (await api(started.plane, 'GET', '/api/v1/nodes/agent-node')).json() as unknown as NodeView;
        return n.status.conditions.find((c) => c.type === 'Ready')?.status === 'True' ? n : undefined;
      }, 2000, 'Ready again');
      assert.ok(ready);
      assert.ok(agent.reports() > before);
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
