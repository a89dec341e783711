/**
 * The scheduler after a commit that failed: it counts a pod on its node as soon as it binds it
 * (kube-scheduler's "assumed" pod), before the turn's writes commit. When that commit fails, the
 * binding is gone and the pod is synced again; the pod must not then find itself in the way (its
 * own host port, its own CPU) on the node it was never bound to. Before the fix it did: a
 * FailedScheduling warning ("didn't have free ports for the requested pod ports") and an
 * Unschedulable condition, until that status write of its own cleared the count. kube-scheduler
 * forgets an assumed pod whose binding failed.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { api, eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
  assert.equal((await api(s.plane, 'POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } } })).status, 201);
});
after(async () => {
  await s.stop();
});

/**
 * Fails the next COMMIT of the store's database whose transaction binds `namespace/name` (what
 * an I/O error at the commit does): the store rolls the transaction back and tells its writers.
 * Reads on the store's own connection see the transaction's writes, so the binding is found there.
 */
function failCommitBinding(namespace: string, name: string): { failed: () => boolean; restore: () => void } {
  const proto = Database.prototype;
  const exec = Object.getOwnPropertyDescriptor(proto, 'exec')!.value as (this: Database.Database, sql: string) => Database.Database;
  let failed = false;
  proto.exec = function (this: Database.Database, sql: string) {
    if (!failed && sql === 'COMMIT') {
      const pod = s.plane.api.store.get({ resource: 'pods', namespace, name });
      if ((pod?.['spec'] as { nodeName?: string } | undefined)?.nodeName !== undefined) {
        failed = true;
        throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
      }
    }
    return exec.call(this, sql);
  };
  return { failed: () => failed, restore: () => void (proto.exec = exec) };
}

describe('scheduler after a failed commit', () => {
  test('a pod whose binding was lost with its commit is scheduled again, not kept out by itself', async () => {
    const injected = failCommitBinding('default', 'web');
    try {
      const created = await api(s.plane, 'POST', '/api/v1/namespaces/default/pods', {
        body: {
          apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' },
          spec: { tolerations: [{ operator: 'Exists' }], containers: [{ name: 'main', image: 'busybox', ports: [{ containerPort: 8080, hostPort: 8080 }], resources: { requests: { cpu: '100m' } } }] },
        },
      });
      assert.equal(created.status, 201, created.body);
      const pod = await eventually(async () => {
        const got = (await api(s.plane, 'GET', '/api/v1/namespaces/default/pods/web')).json();
        const spec = got['spec'] as { nodeName?: string };
        const scheduled = ((got['status'] as { conditions?: { type: string; status: string; message?: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === 'PodScheduled');
        if (scheduled?.status === 'False') assert.fail(`the pod was found unschedulable after its lost binding: ${scheduled.message ?? ''}`);
        return spec.nodeName === undefined ? undefined : got;
      }, 5000, 'the pod bound again after its lost binding');
      assert.ok(injected.failed(), 'the first commit of the binding failed');
      assert.equal((pod['spec'] as { nodeName?: string }).nodeName, 'n1');
      // The scheduler's events are written behind its work, once the turn that recorded them is committed.
      const events = await eventually(async () => {
        const items = ((await api(s.plane, 'GET', '/api/v1/namespaces/default/events')).json()['items'] as { reason?: string; series?: unknown; involvedObject?: { name?: string } }[]).filter((e) => e.involvedObject?.name === 'web');
        return items.length > 0 ? items : undefined;
      }, 5000, 'the Scheduled event');
      assert.deepEqual(events.map((e) => e.reason), ['Scheduled'], 'one Scheduled event, no FailedScheduling');
      assert.equal(events[0]?.series, undefined, 'the binding lost with its commit was not counted as a Scheduled event (no series of two)');
    } finally {
      injected.restore();
    }
  });
});
