/**
 * Ordering like a real cluster: a DaemonSet applied before its ServiceAccount (a later document of
 * the same file) has its pods refused at first, and the controller retries with back-off as
 * kube-controller-manager does, so the pods come moments after the account, not at the next
 * unrelated change (before, they waited for a node's heartbeat, about 50 s, or forever with none).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
});
after(async () => {
  await s.stop();
});

const NS = '/api/v1/namespaces/default';

describe('daemonset ordering', () => {
  test('daemonset pods come moments after their late ServiceAccount', async () => {
    const node = await api(s.plane, 'POST', '/api/v1/nodes', {
      body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'kubernetes.io/os': 'linux' } } },
    });
    assert.equal(node.status, 201, node.body);
    const ds = await api(s.plane, 'POST', '/apis/apps/v1/namespaces/default/daemonsets', {
      body: {
        apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: { metadata: { labels: { app: 'agent' } }, spec: { serviceAccountName: 'late', containers: [{ name: 'main', image: 'busybox' }] } },
        },
      },
    });
    assert.equal(ds.status, 201, ds.body);

    // Refused while the account is missing, in the ServiceAccount admission's words.
    const refused = await eventually(async () => {
      const items = (await api(s.plane, 'GET', `${NS}/events?fieldSelector=reason%3DFailedCreate`)).json()['items'] as { message: string; count: number }[];
      return items[0];
    }, 5000, 'a FailedCreate event');
    assert.match(refused.message, /error looking up service account default\/late: serviceaccount "late" not found/);
    // Let the back-off grow past its first steps, as a slow apply would.
    await new Promise((r) => setTimeout(r, 1500));
    const pending = (await api(s.plane, 'GET', `${NS}/pods?labelSelector=app%3Dagent`)).json()['items'] as unknown[];
    assert.equal(pending.length, 0);

    const account = await api(s.plane, 'POST', `${NS}/serviceaccounts`, { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'late' } } });
    assert.equal(account.status, 201, account.body);
    // The retry after 1.5 s of failures comes within about 1.3 s more (5 ms doubling); 5 s is ample.
    const pods = await eventually(async () => {
      const items = (await api(s.plane, 'GET', `${NS}/pods?labelSelector=app%3Dagent`)).json()['items'] as { spec: { serviceAccountName: string } }[];
      return items.length > 0 ? items : undefined;
    }, 5000, 'the daemon pod after its ServiceAccount');
    assert.equal(pods[0]!.spec.serviceAccountName, 'late');
  });
});
