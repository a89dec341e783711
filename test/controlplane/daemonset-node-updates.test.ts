/**
 * Which node changes make the DaemonSets sync again: as kube-controller-manager's
 * shouldIgnoreNodeUpdate, only those that can change where they run (labels, taints, and the
 * Ready condition, which stands for a taint). A node's status heartbeat does not make every
 * DaemonSet of the cluster sync again: with 110 DaemonSets that was 110 syncs per heartbeat.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ResourceDefinition } from '../../src/controlplane/resources/index.js';
import { api, eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
});
after(async () => {
  await s.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('daemonset controller and node changes', () => {
  test('a node status heartbeat syncs no DaemonSet; a label or a Ready change syncs them all', async () => {
    const node = await api(s.plane, 'POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } } });
    assert.equal(node.status, 201, node.body);
    const names = ['a', 'b', 'c'];
    for (const name of names) {
      const ds = await api(s.plane, 'POST', '/apis/apps/v1/namespaces/default/daemonsets', {
        body: {
          apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name },
          spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
        },
      });
      assert.equal(ds.status, 201, ds.body);
    }
    await eventually(async () => {
      const items = (await api(s.plane, 'GET', '/api/v1/namespaces/default/pods')).json()['items'] as unknown[];
      return items.length === names.length ? items : undefined;
    }, 5000, 'one pod per DaemonSet');
    await sleep(500);

    // Each sync of a DaemonSet starts by reading it: count those reads.
    const synced: string[] = [];
    const objects = s.plane.api;
    const find = objects.findShared.bind(objects);
    objects.findShared = (info: ResourceDefinition, namespace: string, name: string) => {
      if (info.resource === 'daemonsets') synced.push(name);
      return find(info, namespace, name);
    };
    try {
      const heartbeat = (status: string) => api(s.plane, 'PATCH', '/api/v1/nodes/n1/status', {
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: { status: { conditions: [{ type: 'Ready', status, reason: 'KubeletReady', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: '2026-01-01T00:00:00Z' }] } },
      });
      assert.equal((await heartbeat('True')).status, 200);
      await sleep(50);
      assert.equal((await heartbeat('True')).status, 200);
      await sleep(300);
      assert.equal(synced.length, 0, `status heartbeats sync no DaemonSet (synced: ${synced.join(', ')})`);

      const labelled = await api(s.plane, 'PATCH', '/api/v1/nodes/n1', { headers: { 'Content-Type': 'application/merge-patch+json' }, body: { metadata: { labels: { zone: 'a' } } } });
      assert.equal(labelled.status, 200, labelled.body);
      await eventually(() => (names.every((n) => synced.includes(n)) ? true : undefined), 3000, 'every DaemonSet synced after a label change');

      synced.length = 0;
      assert.equal((await heartbeat('False')).status, 200);
      await eventually(() => (names.every((n) => synced.includes(n)) ? true : undefined), 3000, 'every DaemonSet synced when the node stops being Ready');
    } finally {
      objects.findShared = find;
    }
  });

  test("a burst of a pod's changes syncs its DaemonSet once, after POD_CHANGES_MS, not once per change", async () => {
    await api(s.plane, 'POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'burst-node' } } });
    await api(s.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'burst' } } });
    const ds = await api(s.plane, 'POST', '/apis/apps/v1/namespaces/burst/daemonsets', {
      body: {
        apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'burst' },
        spec: { selector: { matchLabels: { app: 'burst' } }, template: { metadata: { labels: { app: 'burst' } }, spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
      },
    });
    assert.equal(ds.status, 201, ds.body);
    const pod = await eventually(async () => {
      const items = (await api(s.plane, 'GET', '/api/v1/namespaces/burst/pods')).json()['items'] as { metadata: { name: string }; spec: { nodeName?: string } }[];
      return items.find((p) => p.spec.nodeName === 'burst-node');
    }, 5000, 'the DaemonSet pod on the node');
    await sleep(300);
    const synced: string[] = [];
    const objects = s.plane.api;
    const find = objects.findShared.bind(objects);
    objects.findShared = (info: ResourceDefinition, namespace: string, name: string) => {
      if (info.resource === 'daemonsets' && name === 'burst') synced.push(name);
      return find(info, namespace, name);
    };
    try {
      // Three status reports 10 ms apart that change nothing the DaemonSet counts (as a node
      // agent's reports while a pod starts): once synced each, now once for all three.
      for (let i = 0; i < 3; i++) {
        const patched = await api(s.plane, 'PATCH', `/api/v1/namespaces/burst/pods/${pod.metadata.name}/status`, {
          headers: { 'Content-Type': 'application/merge-patch+json' },
          body: { status: { conditions: [{ type: 'example.com/Probe', status: 'True', reason: `Report${i}`, lastTransitionTime: '2026-01-01T00:00:00Z' }] } },
        });
        assert.equal(patched.status, 200, patched.body);
        await sleep(10);
      }
      await eventually(() => (synced.length > 0 ? true : undefined), 3000, 'the DaemonSet synced after its pod changed');
      await sleep(200);
      assert.ok(synced.length < 3, `three quick changes of its pod synced the DaemonSet ${synced.length} times`);
    } finally {
      objects.findShared = find;
    }
  });
});
