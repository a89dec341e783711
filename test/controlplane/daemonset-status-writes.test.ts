/**
 * How often the DaemonSet controller writes a DaemonSet's status while its pods come: a sync
 * that created pods leaves the status to the sync their creation brings (within POD_CHANGES_MS),
 * which finds them scheduled too, so a new DaemonSet's status is written once, not twice, before
 * its pod runs; and a DaemonSet whose pods are refused still gets its status.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import type { Change } from '../../src/controlplane/store/index.js';
import { api, eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { busyFor } from '../support/busy-thread.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
  assert.equal((await api(s.plane, 'POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } } })).status, 201);
});
after(async () => {
  await s.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function daemonSet(name: string, hostNetwork = false) {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { hostNetwork, containers: [{ name: 'main', image: 'busybox' }] } } },
  };
}

/** The status of each write of the named DaemonSet that the store makes from now on. */
function statusWrites(namespace: string, name: string): { writes: Record<string, unknown>[]; stop(): void } {
  const writes: Record<string, unknown>[] = [];
  const stop = s.plane.api.store.subscribe('apps/daemonsets', (change: Change) => {
    if (change.type === 'MODIFIED' && change.key.namespace === namespace && change.key.name === name) writes.push((change.object['status'] ?? {}) as Record<string, unknown>);
  });
  return { writes, stop };
}

describe('daemonset controller status writes', () => {
  test("a new DaemonSet's status is written once while its pod is created and scheduled", async () => {
    await api(s.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'once' } } });
    const seen = statusWrites('once', 'ds');
    try {
      assert.equal((await api(s.plane, 'POST', '/apis/apps/v1/namespaces/once/daemonsets', { body: daemonSet('ds') })).status, 201);
      await eventually(() => (seen.writes.some((w) => w['currentNumberScheduled'] === 1) ? true : undefined), 5000, 'the status counts the scheduled pod');
      await sleep(300);
      assert.deepEqual(seen.writes, [{ currentNumberScheduled: 1, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: 0, observedGeneration: 1, updatedNumberScheduled: 1, numberUnavailable: 1 }],
        'one status write, with the pod scheduled (no write of the moment before its binding)');
    } finally {
      seen.stop();
    }
  });

  test('a DaemonSet whose pods are refused still gets its status', async () => {
    // Baseline Pod Security refuses hostNetwork pods; the DaemonSet itself is admitted, with a warning.
    const ns = await api(s.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'refused', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } } });
    assert.equal(ns.status, 201, ns.body);
    const seen = statusWrites('refused', 'ds');
    try {
      const created = await api(s.plane, 'POST', '/apis/apps/v1/namespaces/refused/daemonsets', { body: daemonSet('ds', true) });
      assert.equal(created.status, 201, created.body);
      const status = await eventually(async () => {
        const got = (await api(s.plane, 'GET', '/apis/apps/v1/namespaces/refused/daemonsets/ds')).json()['status'] as Record<string, unknown> | undefined;
        return got?.['desiredNumberScheduled'] === 1 ? got : undefined;
      }, 5000, 'the status of a DaemonSet whose pods are refused');
      assert.deepEqual(status, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: 0, observedGeneration: 1, numberUnavailable: 1 });
      const pods = (await api(s.plane, 'GET', '/api/v1/namespaces/refused/pods')).json()['items'] as unknown[];
      assert.equal(pods.length, 0, 'no pod was admitted');
    } finally {
      seen.stop();
    }
  });
});

describe('daemonset controller status writes on a busy thread', () => {
  test("while the control plane's thread is busy, the pod's creation, binding and start are counted in one status write", async () => {
    await api(s.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'busy' } } });
    const seen = statusWrites('busy', 'ds');
    const steps: Promise<void>[] = [];
    const post = (path: string, body: unknown) => api(s.plane, 'POST', path, { body }).then((r) => assert.equal(r.status, 201, r.body));
    // A kubelet's part: the pod reported Running and Ready as soon as it is bound.
    const start = async (): Promise<void> => {
      await post('/apis/apps/v1/namespaces/busy/daemonsets', daemonSet('ds'));
      const name = await eventually(async () => {
        const pods = (await api(s.plane, 'GET', '/api/v1/namespaces/busy/pods')).json()['items'] as { metadata: { name: string }; spec: { nodeName?: string } }[];
        return pods.find((p) => p.metadata.name.startsWith('ds-') && p.spec.nodeName)?.metadata.name;
      }, 5000, 'the daemon pod bound');
      const running = await api(s.plane, 'PATCH', `/api/v1/namespaces/busy/pods/${name}/status`, {
        body: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, headers: { 'content-type': 'application/merge-patch+json' },
      });
      assert.equal(running.status, 200, running.body);
    };
    try {
      const began = performance.now();
      let step = 0;
      await busyFor(1_200, () => {
        const at = performance.now() - began;
        // A pod change of some DaemonSet a tick in judges the thread's load; the DaemonSet comes a tick later.
        if (step === 0 && at > 150) {
          step++;
          steps.push(post('/api/v1/namespaces/busy/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'gone', uid: 'u-gone', controller: true }] }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }));
        } else if (step === 1 && at > 300) {
          step++;
          steps.push(start());
        }
      });
      await Promise.all(steps);
      await eventually(() => (seen.writes.length > 0 ? true : undefined), 5000, 'a status write');
      await sleep(300);
      assert.deepEqual(seen.writes, [{ currentNumberScheduled: 1, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: 1, observedGeneration: 1, updatedNumberScheduled: 1, numberAvailable: 1 }],
        'one status write, with the pod Running and Ready (none of the moments before)');
    } finally {
      seen.stop();
    }
  });

  test('while the thread is busy, a deleted daemon pod is replaced without that wait', async () => {
    const pods = async () => ((await api(s.plane, 'GET', '/api/v1/namespaces/busy/pods')).json()['items'] as { metadata: { name: string } }[])
      .map((p) => p.metadata.name).filter((n) => n.startsWith('ds-'));
    const [old] = await pods();
    assert.ok(old, 'the daemon pod of the test before');
    const began = performance.now();
    let judged = false;
    let deleted = false;
    let replaced: number | undefined;
    let looking = false;
    await busyFor(1_500, () => {
      const at = performance.now() - began;
      // As in the test before: a pod change of some DaemonSet a tick in judges the thread's load.
      if (!judged && at > 150) {
        judged = true;
        void api(s.plane, 'PATCH', '/api/v1/namespaces/busy/pods/other', { body: { metadata: { labels: { seen: 'yes' } } }, headers: { 'content-type': 'application/merge-patch+json' } })
          .then((r) => assert.equal(r.status, 200, r.body));
      } else if (judged && !deleted && at > 300) {
        deleted = true;
        void api(s.plane, 'DELETE', `/api/v1/namespaces/busy/pods/${old}?gracePeriodSeconds=0`).then((r) => assert.equal(r.status, 200, r.body));
      } else if (deleted && replaced === undefined && !looking) {
        looking = true;
        void pods().then((names) => {
          looking = false;
          if (names.some((n) => n !== old)) replaced = performance.now() - began;
        });
      }
    });
    assert.ok(replaced !== undefined && replaced < 1_000, `a new pod within a quiet sync's wait of the deletion at 300 ms, while the thread stayed busy (at ${replaced?.toFixed(0)} ms)`);
  });
});

describe('daemonset controller syncs', () => {
  test("its own status write coming back makes no sync; another's change to the status does", async () => {
    await api(s.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'own' } } });
    // Each sync reads its DaemonSet once, first (the controller's `findShared`), and a status write
    // once more (the `findShared` of `mutate`): count those reads.
    const objects = s.plane.api;
    const find = objects.findShared.bind(objects);
    let syncs = 0;
    objects.findShared = (info, namespace, name) => {
      if (info.resource === 'daemonsets' && namespace === 'own' && name === 'ds') syncs++;
      return find(info, namespace, name);
    };
    const seen = statusWrites('own', 'ds');
    try {
      assert.equal((await api(s.plane, 'POST', '/apis/apps/v1/namespaces/own/daemonsets', { body: daemonSet('ds') })).status, 201);
      await eventually(() => (seen.writes.some((w) => w['currentNumberScheduled'] === 1) ? true : undefined), 5000, 'the status counts the scheduled pod');
      await sleep(400);
      assert.equal(syncs, 3, 'one sync made the pod, one wrote the status (two reads); the status coming back made none');
      // Someone else's change to the status alone: the controller syncs, and puts its counts back.
      const changed = await api(s.plane, 'PATCH', '/apis/apps/v1/namespaces/own/daemonsets/ds/status', {
        body: { status: { numberReady: 7 } }, headers: { 'content-type': 'application/merge-patch+json' },
      });
      assert.equal(changed.status, 200, changed.body);
      await eventually(() => (seen.writes.at(-1)?.['numberReady'] === 0 ? true : undefined), 5000, 'the controller puts numberReady back');
      await sleep(400);
      assert.equal(syncs, 5, 'the patch made one sync, which wrote the status back (two reads); that write coming back made none');
    } finally {
      seen.stop();
      objects.findShared = find;
    }
  });
});
