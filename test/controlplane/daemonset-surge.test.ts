/**
 * DaemonSet rolling updates with maxSurge (a fake kubelet on one node): the new pod starts
 * beside the old one, which goes once the new one is available; a surge pod that wants a host
 * port the old pod holds waits Pending, as the real scheduler's NodePorts filter keeps it.
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
const daemonSets = findResource('apps', 'v1', 'daemonsets')!;

before(async () => {
  s = await startControlPlane();
  kubelet = fakeKubelet(s.plane, 'node-1');
});
after(async () => {
  kubelet.stop();
  await s.stop();
});

const image = (pod: Obj): string => ((pod['spec'] as { containers: { image: string }[] }).containers[0]!.image);
const ready = (pod: Obj): boolean => metaOf(pod).deletionTimestamp === undefined && ((pod['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const podsOf = (app: string): Obj[] => s.plane.api.list(pods, 'default', { labelSelector: `app=${app}` }).items;

function daemonSet(name: string, img: string, podSpec: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: 'default' },
    spec: {
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: img }], ...podSpec } },
    },
  };
}

function setImage(name: string, img: string): void {
  s.plane.api.mutate(daemonSets, 'default', name, (d) => {
    (d['spec'] as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = img;
    return d;
  }, AS_ADMIN);
}

const onlyReady = (app: string, img: string) => (): true | undefined => {
  const all = podsOf(app);
  return all.length === 1 && ready(all[0]!) && image(all[0]!) === img ? true : undefined;
};

describe('daemonset maxSurge', () => {
  test('daemonset with maxSurge 1 starts the new pod before it deletes the old one', async () => {
    s.plane.api.create(daemonSets, 'default', daemonSet('surging', 'busybox:1'), AS_ADMIN);
    await eventually(onlyReady('surging', 'busybox:1'), 10_000, 'the first pod ready');
    let fewestReady = Infinity;
    let bothAtOnce = false;
    const stop = s.plane.store.subscribe('pods', () => {
      const all = podsOf('surging');
      fewestReady = Math.min(fewestReady, all.filter(ready).length);
      if (all.some((p) => image(p) === 'busybox:1') && all.some((p) => image(p) === 'busybox:2')) bothAtOnce = true;
    });
    setImage('surging', 'busybox:2');
    await eventually(onlyReady('surging', 'busybox:2'), 10_000, 'the new pod alone and ready');
    stop();
    assert.equal(bothAtOnce, true, 'the new pod ran beside the old one');
    assert.equal(fewestReady, 1, 'the node always had a ready pod');
  });

  test('daemonset surge pod that wants the old pod\'s host port stays Pending, and the old pod runs on', async () => {
    // A hostNetwork pod's container ports are host ports (defaulting): the two pods cannot share the node.
    const ported = { hostNetwork: true };
    const ds = daemonSet('ported', 'busybox:1', ported);
    ((ds['spec'] as { template: { spec: { containers: Obj[] } } }).template.spec.containers[0]!)['ports'] = [{ containerPort: 9100 }];
    s.plane.api.create(daemonSets, 'default', ds, AS_ADMIN);
    await eventually(onlyReady('ported', 'busybox:1'), 10_000, 'the first pod ready');
    setImage('ported', 'busybox:2');
    const surge = await eventually(() => podsOf('ported').find((p) => image(p) === 'busybox:2' && ((p['status'] as { conditions?: Obj[] } | undefined)?.conditions ?? []).some((c) => c['reason'] === 'Unschedulable')), 10_000, 'the surge pod unschedulable');
    const scheduled = ((surge['status'] as { conditions: Obj[] }).conditions).find((c) => c['type'] === 'PodScheduled')!;
    assert.equal(scheduled['message'], "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.");
    const old = podsOf('ported').filter((p) => image(p) === 'busybox:1');
    assert.equal(old.length, 1);
    assert.equal(ready(old[0]!), true);
  });
});
