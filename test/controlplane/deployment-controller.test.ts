/**
 * The Deployment and ReplicaSet controllers with pods that become ready (a fake kubelet on one
 * node): a rolling update within maxSurge and maxUnavailable, Recreate, the revisions of a
 * template that comes back, the ReplicaSet's deletion order and its failed creates.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { metaOf, type Obj } from '../../src/controlplane/api/object-meta.js';
import { ADMIN_USER } from '../../src/controlplane/auth/user.js';
import { findResource } from '../../src/controlplane/resources/index.js';
import { eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { fakeKubelet, type FakeKubelet } from '../support/fake-kubelet.js';

let s: StartedPlane;
let kubelet: FakeKubelet;
const AS_ADMIN = { user: ADMIN_USER };
const pods = findResource('', 'v1', 'pods')!;
const deployments = findResource('apps', 'v1', 'deployments')!;
const replicaSets = findResource('apps', 'v1', 'replicasets')!;
const events = findResource('', 'v1', 'events')!;
const namespaces = findResource('', 'v1', 'namespaces')!;

before(async () => {
  s = await startControlPlane();
  // Pods labelled never-ready stay Pending-but-bound and never Ready.
  kubelet = fakeKubelet(s.plane, 'node-1', (pod) => metaOf(pod).labels?.['never-ready'] === undefined);
});
after(async () => {
  kubelet.stop();
  await s.stop();
});

const image = (pod: Obj): string => ((pod['spec'] as { containers: { image: string }[] }).containers[0]!.image);
const ready = (pod: Obj): boolean => metaOf(pod).deletionTimestamp === undefined && ((pod['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const podsOf = (app: string): Obj[] => s.plane.api.list(pods, 'default', { labelSelector: `app=${app}` }).items;

function deployment(name: string, img: string, strategy: Obj, replicas = 2): Obj {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' },
    spec: { replicas, strategy, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: img }] } } },
  };
}

function setImage(name: string, img: string): void {
  s.plane.api.mutate(deployments, 'default', name, (d) => {
    const spec = d['spec'] as { template: { spec: { containers: { image: string }[] } } };
    spec.template.spec.containers[0]!.image = img;
    return d;
  }, AS_ADMIN);
}

/** Waits until the Deployment's status says every replica runs `img`, updated and available. */
async function complete(name: string, img: string, replicas = 2): Promise<Obj> {
  return eventually(() => {
    const d = s.plane.api.find(deployments, 'default', name)!;
    const status = d['status'] as { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number; replicas?: number };
    const live = podsOf(name).filter((p) => metaOf(p).deletionTimestamp === undefined);
    return status.observedGeneration === metaOf(d).generation && status.updatedReplicas === replicas && status.availableReplicas === replicas && status.replicas === replicas
      && live.length === replicas && live.every((p) => image(p) === img && ready(p)) ? d : undefined;
  }, 15_000, `${name} rolled out to ${img}`);
}

/** Watches the pods of `app`, calling `seen` with all of them after each change. */
function watchPods(app: string, seen: (all: Obj[]) => void): () => void {
  return s.plane.store.subscribe('pods', () => seen(podsOf(app)));
}

describe('deployment controller', () => {
  test('deployment rolling update with maxSurge 1 and maxUnavailable 0 keeps every replica available', async () => {
    s.plane.api.create(deployments, 'default', deployment('surge', 'busybox:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }), AS_ADMIN);
    await complete('surge', 'busybox:1');
    let fewestReady = Infinity;
    let mostPods = 0;
    const stop = watchPods('surge', (all) => {
      fewestReady = Math.min(fewestReady, all.filter(ready).length);
      mostPods = Math.max(mostPods, all.filter((p) => metaOf(p).deletionTimestamp === undefined).length);
    });
    setImage('surge', 'busybox:2');
    const done = await complete('surge', 'busybox:2');
    stop();
    assert.equal(fewestReady, 2, 'never fewer than 2 ready pods');
    assert.equal(mostPods, 3, 'at most one pod above the 2 replicas');
    assert.equal(metaOf(done).annotations?.['deployment.kubernetes.io/revision'], '2');
    const conditions = (done['status'] as { conditions: { type: string; reason: string }[] }).conditions.map((c) => `${c.type}=${c.reason}`);
    assert.deepEqual(conditions, ['Available=MinimumReplicasAvailable', 'Progressing=NewReplicaSetAvailable']);
    const sets = s.plane.api.list(replicaSets, 'default', { labelSelector: 'app=surge' }).items;
    assert.deepEqual(sets.map((rs) => [(rs['spec'] as { replicas: number }).replicas, metaOf(rs).annotations?.['deployment.kubernetes.io/revision']]).sort(), [[0, '1'], [2, '2']]);
    for (const rs of sets) assert.match(metaOf(rs).name ?? '', new RegExp(`^surge-${metaOf(rs).labels?.['pod-template-hash'] ?? 'none'}$`));
  });

  test('deployment going back to an earlier template reuses its ReplicaSet with the next revision', async () => {
    setImage('surge', 'busybox:1');
    await complete('surge', 'busybox:1');
    const sets = s.plane.api.list(replicaSets, 'default', { labelSelector: 'app=surge' }).items;
    const back = sets.find((rs) => image(((rs['spec'] as { template: Obj }).template)) === 'busybox:1')!;
    assert.equal(sets.length, 2);
    assert.equal(metaOf(back).annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(metaOf(back).annotations?.['deployment.kubernetes.io/revision-history'], '1');
  });

  test('deployment Recreate deletes every old pod before it creates a new one', async () => {
    s.plane.api.create(deployments, 'default', deployment('recreate', 'busybox:1', { type: 'Recreate' }), AS_ADMIN);
    await complete('recreate', 'busybox:1');
    let overlap = false;
    const stop = watchPods('recreate', (all) => {
      if (all.some((p) => image(p) === 'busybox:2') && all.some((p) => image(p) === 'busybox:1')) overlap = true;
    });
    setImage('recreate', 'busybox:2');
    await complete('recreate', 'busybox:2');
    stop();
    assert.equal(overlap, false, 'old and new pods never existed together');
  });

  test('deployment scaled during a rollout spreads the new replicas over its ReplicaSets in proportion', async () => {
    // New pods never become ready, so the rollout stays half done: 4 old, and 2 new (the surge).
    s.plane.api.create(deployments, 'default', deployment('spread', 'busybox:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } }, 4), AS_ADMIN);
    await complete('spread', 'busybox:1', 4);
    s.plane.api.mutate(deployments, 'default', 'spread', (d) => {
      const spec = d['spec'] as { template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string }[] } } };
      spec.template.spec.containers[0]!.image = 'busybox:2';
      spec.template.metadata.labels['never-ready'] = 'yes';
      return d;
    }, AS_ADMIN);
    const sizes = (): number[] => s.plane.api.list(replicaSets, 'default', { labelSelector: 'app=spread' }).items.map((rs) => (rs['spec'] as { replicas: number }).replicas).sort();
    await eventually(() => (sizes().join() === '2,4' ? true : undefined), 10_000, 'the rollout at 4 old and 2 new');
    s.plane.api.mutate(deployments, 'default', 'spread', (d) => ({ ...d, spec: { ...(d['spec'] as Obj), replicas: 8 } }), AS_ADMIN);
    // 8 replicas and 2 surge: 10 pods, the 6 above 4 shared as 4:2 (the max-replicas annotations say 6).
    await eventually(() => (sizes().join() === '3,7' ? true : undefined), 10_000, `the ReplicaSets at 3 and 7 (now ${sizes().join()})`);
  });
});

describe('replicaset controller', () => {
  test('replicaset scaled down deletes an unscheduled pod before ready ones', async () => {
    const rs = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'ranked', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'ranked' } }, template: { metadata: { labels: { app: 'ranked' } }, spec: { containers: [{ name: 'main', image: 'busybox:1' }] } } },
    };
    s.plane.api.create(replicaSets, 'default', rs, AS_ADMIN);
    await eventually(() => (podsOf('ranked').filter(ready).length === 2 ? true : undefined), 10_000, 'two ready pods');
    // An orphan no scheduler binds: adopted, then the first to go, the ReplicaSet being one over.
    s.plane.api.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', labels: { app: 'ranked' } }, spec: { schedulerName: 'nobody', containers: [{ name: 'main', image: 'busybox:1' }] } }, AS_ADMIN);
    await eventually(() => (s.plane.api.find(pods, 'default', 'stray') === undefined ? true : undefined), 10_000, 'the stray pod deleted');
    assert.equal(podsOf('ranked').filter(ready).length, 2);
    // The controller's events are written behind its work (see controllers/events.ts).
    const deleted = await eventually(() => {
      const items = s.plane.api.list(events, 'default', { fieldSelector: 'reason=SuccessfulDelete' }).items.filter((e) => (e['involvedObject'] as { name: string }).name === 'ranked');
      return items.length > 0 ? items : undefined;
    }, 5000, 'the SuccessfulDelete event');
    assert.deepEqual(deleted.map((e) => e['message']), ['Deleted pod: stray']);
  });

  test('replicaset records a failed create and tries again', async () => {
    s.plane.api.create(namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'strict', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } }, AS_ADMIN);
    const accounts = findResource('', 'v1', 'serviceaccounts')!;
    await eventually(() => s.plane.api.find(accounts, 'strict', 'default'), 10_000, 'the default service account');
    const rs = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'refused', namespace: 'strict' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'refused' } }, template: { metadata: { labels: { app: 'refused' } }, spec: { hostNetwork: true, containers: [{ name: 'main', image: 'busybox:1' }] } } },
    };
    s.plane.api.create(replicaSets, 'strict', rs, AS_ADMIN);
    // Each attempt names another pod (generateName), so each failure is an event of its own.
    const [failed] = await eventually(() => {
      const found = s.plane.api.list(events, 'strict', { fieldSelector: 'reason=FailedCreate' }).items;
      return found.length >= 2 ? found : undefined;
    }, 10_000, 'two FailedCreate events');
    assert.match(String(failed!['message']), /^Error creating: pods "refused-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:latest": host namespaces \(hostNetwork=true\)/);
    const replicaSet = s.plane.api.find(replicaSets, 'strict', 'refused')!;
    const condition = ((replicaSet['status'] as { conditions?: Obj[] }).conditions ?? []).find((c) => c['type'] === 'ReplicaFailure');
    assert.equal(condition?.['reason'], 'FailedCreate');
    assert.match(String(condition?.['message']), /^pods "refused-[a-z0-9]{5}" is forbidden: violates PodSecurity/);
  });
});
