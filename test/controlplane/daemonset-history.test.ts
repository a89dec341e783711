/**
 * The DaemonSet controller's history, as kube-controller-manager keeps it: a ControllerRevision
 * per template, owned by the DaemonSet, the current one numbered highest (a template that comes
 * back is renumbered), old ones beyond revisionHistoryLimit deleted, orphans adopted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { templateHash } from '../../src/controlplane/controllers/daemonset.js';
import { deepFreeze } from '../../src/api/json/index.js';
import { api, eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
});
after(async () => {
  await s.stop();
});

const DS = '/apis/apps/v1/namespaces/default/daemonsets';
const daemonSet = (name: string, image: string, limit?: number) => ({
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } }, ...(limit === undefined ? {} : { revisionHistoryLimit: limit }),
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
  },
});
interface Revision { metadata: { name: string; labels: Record<string, string>; ownerReferences?: { uid: string; controller?: boolean }[] }; revision: number; data: { spec: { template: { spec: { containers: { image: string }[] } } } } }
const imageOf = (r: Revision): string => r.data.spec.template.spec.containers[0]!.image;

/** The revisions labelled for `name`, by number, once there are `count` whose latest holds `image`. */
async function history(name: string, count: number, image: string): Promise<Revision[]> {
  return eventually(async () => {
    const items = ((await api(s.plane, 'GET', `/apis/apps/v1/namespaces/default/controllerrevisions?labelSelector=app%3D${name}`)).json()['items'] as Revision[]).sort((a, b) => a.revision - b.revision);
    return items.length === count && imageOf(items[count - 1]!) === image ? items : undefined;
  }, 5000, `${count} revisions of ${name}, the latest ${image}`);
}

const replace = async (name: string, image: string, limit?: number): Promise<void> => {
  const current = (await api(s.plane, 'GET', `${DS}/${name}`)).json();
  const updated = await api(s.plane, 'PUT', `${DS}/${name}`, { body: { ...daemonSet(name, image, limit), metadata: current['metadata'] } });
  assert.equal(updated.status, 200, updated.body);
};

describe('daemonset history', () => {
  test("a template's hash is the same kept with a frozen (shared) template as made anew, and differs for another template", () => {
    const template = daemonSet('h', 'busybox').spec.template;
    const fresh = templateHash(structuredClone(template));
    const frozen = deepFreeze(structuredClone(template));
    assert.equal(templateHash(frozen), fresh);
    assert.equal(templateHash(frozen), fresh, 'the kept hash');
    assert.match(fresh, /^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
    assert.notEqual(templateHash(deepFreeze(daemonSet('h', 'busybox:2').spec.template)), fresh);
  });


  test('daemonset history keeps a revision per template, the current numbered highest', async () => {
    const created = (await api(s.plane, 'POST', DS, { body: daemonSet('agent', 'busybox:1') })).json();
    const [first] = await history('agent', 1, 'busybox:1');
    assert.equal(first!.revision, 1);
    assert.equal(first!.metadata.name, `agent-${first!.metadata.labels['controller-revision-hash']}`);
    assert.deepEqual(first!.metadata.ownerReferences?.map((r) => [r.uid, r.controller]), [[(created['metadata'] as { uid: string }).uid, true]]);
    assert.deepEqual(Object.keys(first!.data.spec.template), ['$patch', 'metadata', 'spec']);

    await replace('agent', 'busybox:2');
    assert.deepEqual((await history('agent', 2, 'busybox:2')).map((r) => [imageOf(r), r.revision]), [['busybox:1', 1], ['busybox:2', 2]]);
    await replace('agent', 'busybox:1');
    assert.deepEqual((await history('agent', 2, 'busybox:1')).map((r) => [imageOf(r), r.revision]), [['busybox:2', 2], ['busybox:1', 3]]);
  });

  test('daemonset history deletes old revisions beyond revisionHistoryLimit', async () => {
    await api(s.plane, 'POST', DS, { body: daemonSet('limited', 'busybox:1', 1) });
    await history('limited', 1, 'busybox:1');
    await replace('limited', 'busybox:2', 1);
    await history('limited', 2, 'busybox:2');
    await replace('limited', 'busybox:3', 1);
    assert.deepEqual((await history('limited', 2, 'busybox:3')).map(imageOf), ['busybox:2', 'busybox:3']);
  });

  test('daemonset history of a DaemonSet deleted with orphan is adopted by the one made again', async () => {
    await api(s.plane, 'POST', DS, { body: daemonSet('again', 'busybox:1') });
    await history('again', 1, 'busybox:1');
    await api(s.plane, 'DELETE', `${DS}/again`, { body: { propagationPolicy: 'Orphan' } });
    await eventually(async () => ((await api(s.plane, 'GET', `${DS}/again`)).status === 404 ? true : undefined), 5000, 'the DaemonSet to go');
    const remade = (await api(s.plane, 'POST', DS, { body: daemonSet('again', 'busybox:2') })).json();
    const revisions = await history('again', 2, 'busybox:2');
    assert.deepEqual(revisions.map((r) => [imageOf(r), r.revision]), [['busybox:1', 1], ['busybox:2', 2]]);
    for (const r of revisions) assert.deepEqual(r.metadata.ownerReferences?.map((ref) => ref.uid), [(remade['metadata'] as { uid: string }).uid]);
  });
});
