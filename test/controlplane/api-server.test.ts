/**
 * The API server in process, over HTTPS with its own CA: authentication, conflicts, selectors and
 * paging, watches (replay, selector transitions, bookmarks, 410 after compaction), graceful pod
 * deletion, scheduling, garbage collection and restarts.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { ControlPlane } from '../../src/controlplane/control-plane.js';
import { api, eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { registerNode } from '../support/kubelet-stand-in.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane({ bookmarkIntervalMs: 200 });
});
after(async () => {
  await s.stop();
});

const cm = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { k: 'v' } });
const pod = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'main', image: 'localhost/hostprocess-base:latest' }], ...spec },
});

/** Reads a watch stream until `until` holds for the events so far (or the time runs out). */
function watch(plane: ControlPlane, path: string, until: (events: { type: string; object: Record<string, unknown> }[]) => boolean): Promise<{ type: string; object: Record<string, unknown> }[]> {
  return new Promise((resolve, reject) => {
    const events: { type: string; object: Record<string, unknown> }[] = [];
    const req = request(new URL(path, plane.url), { ca: plane.pki.ca.cert, headers: { Authorization: `Bearer ${plane.tokens.adminToken}` } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buffer.slice(0, nl)) as { type: string; object: Record<string, unknown> });
          buffer = buffer.slice(nl + 1);
        }
        if (until(events)) {
          req.destroy();
          resolve(events);
        }
      });
      res.on('end', () => resolve(events));
    });
    req.on('error', (e) => (events.length > 0 ? resolve(events) : reject(e)));
    setTimeout(() => {
      req.destroy();
      resolve(events);
    }, 5000);
    req.end();
  });
}

describe('api server', () => {
  test('api server answers an anonymous or wrongly authenticated request with 401', async () => {
    for (const token of [null, 'not-a-token', `${s.plane.tokens.adminToken}x`]) {
      const r = await api(s.plane, 'GET', '/api/v1/namespaces', { token });
      assert.equal(r.status, 401);
      assert.deepEqual(r.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    assert.equal((await api(s.plane, 'GET', '/healthz', { token: null })).status, 401);
    assert.equal((await api(s.plane, 'GET', '/healthz')).status, 200);
  });

  test('api server refuses an update at a stale resourceVersion with 409 Conflict', async () => {
    const created = (await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('conflict') })).json();
    const first = await api(s.plane, 'PUT', '/api/v1/namespaces/default/configmaps/conflict', { body: { ...created, data: { k: 'one' } } });
    assert.equal(first.status, 200);
    const stale = await api(s.plane, 'PUT', '/api/v1/namespaces/default/configmaps/conflict', { body: { ...created, data: { k: 'two' } } });
    assert.equal(stale.status, 409);
    assert.equal(stale.json()['reason'], 'Conflict');
    assert.match(String(stale.json()['message']), /Operation cannot be fulfilled on configmaps "conflict": the object has been modified/);
    const again = await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('conflict') });
    assert.equal(again.status, 409);
    assert.equal(again.json()['reason'], 'AlreadyExists');
  });

  test('api server refuses a patch that names a stale resourceVersion with 409 Conflict (kubectl label --resource-version)', async () => {
    const created = (await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('conditional') })).json();
    const rv = (created['metadata'] as { resourceVersion: string }).resourceVersion;
    const stale = await api(s.plane, 'PATCH', '/api/v1/namespaces/default/configmaps/conditional', { contentType: 'application/merge-patch+json', body: { metadata: { labels: { a: 'b' }, resourceVersion: '1' } } });
    assert.equal(stale.status, 409, stale.body);
    assert.equal(stale.json()['message'], 'Operation cannot be fulfilled on configmaps "conditional": the object has been modified; please apply your changes to the latest version and try again');
    const current = await api(s.plane, 'PATCH', '/api/v1/namespaces/default/configmaps/conditional', { contentType: 'application/merge-patch+json', body: { metadata: { labels: { a: 'b' }, resourceVersion: rv } } });
    assert.equal(current.status, 200, current.body);
  });

  test('api server keeps the object when a DELETE\'s DeleteOptions ask for a dry run, as kubectl delete --dry-run=server sends it', async () => {
    await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('dry') });
    const dry = await api(s.plane, 'DELETE', '/api/v1/namespaces/default/configmaps/dry', { body: { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] } });
    assert.equal(dry.status, 200, dry.body);
    assert.equal((await api(s.plane, 'GET', '/api/v1/namespaces/default/configmaps/dry')).status, 200);
    // The query's dryRun is decoded over the body's; anything but All is refused as ValidateDryRun refuses it.
    for (const [path, body] of [['dry', { dryRun: ['Some'] }], ['dry?dryRun=Some', { dryRun: ['All'] }]] as const) {
      const bad = await api(s.plane, 'DELETE', `/api/v1/namespaces/default/configmaps/${path}`, { body });
      assert.equal(bad.status, 422, bad.body);
      // Named by its GroupKind, as kube-apiserver's ValidateDeleteOptions names it (see field-validation.test.ts's recorded answers).
      assert.equal(bad.json()['message'], 'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Some"]: supported values: "All"');
    }
    assert.equal((await api(s.plane, 'GET', '/api/v1/namespaces/default/configmaps/dry')).status, 200);
  });

  test('api server checks a namespace\'s name as a DNS label only, as ValidateNamespaceName does (one error, not the subdomain one too)', async () => {
    const bad = await api(s.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'UPPER' } } });
    assert.equal(bad.status, 422, bad.body);
    const causes = (bad.json()['details'] as { causes: { field: string; message: string }[] }).causes;
    assert.deepEqual(causes.map((c) => c.field), ['metadata.name']);
    assert.match(causes[0]!.message, /a lowercase RFC 1123 label must consist of/);
    const dotted = await api(s.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } } });
    assert.equal(dotted.status, 422, dotted.body);
  });

  test('api server keeps an object in its namespace when a PUT or a patch leaves metadata.namespace out', async () => {
    assert.equal((await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('no-ns') })).status, 201);
    const put = await api(s.plane, 'PUT', '/api/v1/namespaces/default/configmaps/no-ns', { body: { ...cm('no-ns'), data: { k: 'put' } } });
    assert.equal(put.status, 200);
    assert.equal((put.json()['metadata'] as { namespace?: string }).namespace, 'default');
    const patched = await api(s.plane, 'PATCH', '/api/v1/namespaces/default/configmaps/no-ns', { body: { metadata: { namespace: null } }, contentType: 'application/merge-patch+json' });
    assert.equal(patched.status, 200);
    assert.equal((patched.json()['metadata'] as { namespace?: string }).namespace, 'default');
    const listed = (await api(s.plane, 'GET', '/api/v1/namespaces/default/configmaps')).json()['items'] as { metadata: { name: string } }[];
    assert.ok(listed.some((item) => item.metadata.name === 'no-ns'), 'the updated object is still listed in its namespace');
  });

  test('api server lists by label and field selector, in pages', async () => {
    await api(s.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paging' } } });
    for (let i = 0; i < 5; i++) await api(s.plane, 'POST', '/api/v1/namespaces/paging/configmaps', { body: cm(`item-${i}`, { parity: i % 2 ? 'odd' : 'even' }) });
    const names = (r: { json(): Record<string, unknown> }) => (r.json()['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name).filter((n) => n.startsWith('item'));
    assert.deepEqual(names(await api(s.plane, 'GET', '/api/v1/namespaces/paging/configmaps?labelSelector=parity%3Dodd')), ['item-1', 'item-3']);
    assert.deepEqual(names(await api(s.plane, 'GET', '/api/v1/namespaces/paging/configmaps?labelSelector=parity%20in%20(even),parity!%3Dodd')), ['item-0', 'item-2', 'item-4']);
    assert.deepEqual(names(await api(s.plane, 'GET', '/api/v1/configmaps?fieldSelector=metadata.namespace%3Dpaging,metadata.name!%3Ditem-0&labelSelector=parity')), ['item-1', 'item-2', 'item-3', 'item-4']);
    const bad = await api(s.plane, 'GET', '/api/v1/configmaps?fieldSelector=data.k%3Dv');
    assert.equal(bad.status, 400);
    assert.match(bad.body, /field label not supported: data.k/);
    const page1 = await api(s.plane, 'GET', '/api/v1/namespaces/paging/configmaps?labelSelector=parity&limit=2');
    assert.deepEqual(names(page1), ['item-0', 'item-1']);
    const token = (page1.json()['metadata'] as { continue: string }).continue;
    const page2 = await api(s.plane, 'GET', `/api/v1/namespaces/paging/configmaps?labelSelector=parity&limit=2&continue=${token}`);
    assert.deepEqual(names(page2), ['item-2', 'item-3']);
    const page3 = await api(s.plane, 'GET', `/api/v1/namespaces/paging/configmaps?labelSelector=parity&limit=2&continue=${(page2.json()['metadata'] as { continue: string }).continue}`);
    assert.deepEqual(names(page3), ['item-4']);
    assert.equal((page3.json()['metadata'] as { continue?: string }).continue, undefined);
  });

  test('api server watches from a resourceVersion, turns selector transitions into ADDED and DELETED, and sends bookmarks', async () => {
    const from = (await api(s.plane, 'GET', '/api/v1/namespaces/default/configmaps')).json()['metadata'] as { resourceVersion: string };
    const events = watch(s.plane, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${from.resourceVersion}&labelSelector=tier%3Dfront&allowWatchBookmarks=true`,
      (e) => e.some((x) => x.type === 'BOOKMARK') && e.filter((x) => x.type !== 'BOOKMARK').length >= 3);
    await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('w1', { tier: 'front' }) });
    await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('w2', { tier: 'back' }) });
    await api(s.plane, 'PATCH', '/api/v1/namespaces/default/configmaps/w2', { contentType: 'application/merge-patch+json', body: { metadata: { labels: { tier: 'front' } } } });
    await api(s.plane, 'PATCH', '/api/v1/namespaces/default/configmaps/w1', { contentType: 'application/merge-patch+json', body: { metadata: { labels: { tier: 'back' } } } });
    const seen = (await events).filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${(e.object['metadata'] as { name: string }).name}`);
    assert.deepEqual(seen, ['ADDED w1', 'ADDED w2', 'DELETED w1']);
    const bookmark = (await events).find((e) => e.type === 'BOOKMARK')!;
    assert.equal(bookmark.object['kind'], 'ConfigMap');
    assert.match((bookmark.object['metadata'] as { resourceVersion: string }).resourceVersion, /^\d+$/);
  });

  for (const timeoutSeconds of ['0', '4000000000']) {
    test(`api server keeps a watch with timeoutSeconds=${timeoutSeconds} open (0 is the default, a huge one is not an overflow)`, async () => {
      const from = (await api(s.plane, 'GET', '/api/v1/namespaces/default/configmaps')).json()['metadata'] as { resourceVersion: string };
      const name = `long-${timeoutSeconds}`;
      const events = watch(s.plane, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${from.resourceVersion}&timeoutSeconds=${timeoutSeconds}`,
        (e) => e.some((x) => (x.object['metadata'] as { name?: string } | undefined)?.name === name));
      await new Promise((r) => setTimeout(r, 300));
      await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm(name) });
      assert.ok((await events).some((e) => e.type === 'ADDED' && (e.object['metadata'] as { name: string }).name === name), 'the watch was still open 300 ms later');
    });
  }

  test('api server answers a watch from a compacted revision with a 410 Expired event', async () => {
    await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('before-compaction') });
    s.plane.store.compact(s.plane.store.revision);
    const events = await watch(s.plane, '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2', (e) => e.length > 0);
    assert.equal(events[0]?.type, 'ERROR');
    assert.equal(events[0]?.object['code'], 410);
    assert.equal(events[0]?.object['reason'], 'Expired');
    assert.match(String(events[0]?.object['message']), /too old resource version: 2 \(\d+\)/);
  });

  test('api server warns about unknown fields by default and refuses them with fieldValidation=Strict', async () => {
    const body = { ...cm('unknown'), colour: 'blue' };
    const warned = await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body });
    assert.equal(warned.status, 201);
    assert.equal(warned.headers['warning'], '299 - "unknown field \\"colour\\""');
    const strict = await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', { body: { ...body, metadata: { name: 'unknown-2' } } });
    assert.equal(strict.status, 400);
    assert.match(strict.body, /ConfigMap in version \\"v1\\" cannot be handled as a ConfigMap: strict decoding error: unknown field \\"colour\\"/);
  });

  test('api server warns about existing pods that a stricter enforce level on their namespace forbids', async () => {
    await api(s.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'relabel' } } });
    const nowhere = { nodeSelector: { 'example.com/nowhere': 'true' } };
    for (const name of ['net-b', 'net-a', 'net-c']) {
      const created = await api(s.plane, 'POST', '/api/v1/namespaces/relabel/pods', { body: { ...pod(name, { ...nowhere, hostNetwork: true, containers: [{ name: 'c', image: 'x' }] }), metadata: { name } } });
      assert.equal(created.status, 201, created.body);
    }
    await api(s.plane, 'POST', '/api/v1/namespaces/relabel/pods', { body: { ...pod('root', { ...nowhere, containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] }), metadata: { name: 'root' } } });
    await api(s.plane, 'POST', '/api/v1/namespaces/relabel/pods', { body: { ...pod('fine', { ...nowhere, containers: [{ name: 'c', image: 'x' }] }), metadata: { name: 'fine' } } });
    const relabel = (labels: Record<string, string | null>) => api(s.plane, 'PATCH', '/api/v1/namespaces/relabel', { contentType: 'application/merge-patch+json', body: { metadata: { labels } } });
    const stricter = await relabel({ 'pod-security.kubernetes.io/enforce': 'baseline' });
    assert.equal(stricter.status, 200, stricter.body);
    // Node joins the three Warning headers with ", ".
    assert.equal(stricter.headers['warning'], [
      '299 - "existing pods in namespace \\"relabel\\" violate the new PodSecurity enforce level \\"baseline:latest\\""',
      '299 - "net-a (and 2 other pods): host namespaces"',
      '299 - "root: privileged"',
    ].join(', '));
    // The pods stay: Pod Security judges pods when they are created.
    assert.equal((await api(s.plane, 'GET', '/api/v1/namespaces/relabel/pods/root')).status, 200);
    const unchanged = await relabel({ team: 'a' });
    assert.equal(unchanged.headers['warning'], undefined);
    const relaxed = await relabel({ 'pod-security.kubernetes.io/enforce': 'privileged' });
    assert.equal(relaxed.headers['warning'], undefined);
  });

  test('api server applies JSON patch, merge patch and strategic merge patch', async () => {
    await api(s.plane, 'POST', '/api/v1/namespaces/default/pods', { body: pod('patched', { containers: [{ name: 'a', image: 'x:1', env: [{ name: 'A', value: '1' }] }, { name: 'b', image: 'y:1' }] }) });
    const smp = await api(s.plane, 'PATCH', '/api/v1/namespaces/default/pods/patched', {
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { containers: [{ name: 'a', image: 'x:2' }] } },
    });
    assert.equal(smp.status, 200, smp.body);
    const containers = (smp.json()['spec'] as { containers: { name: string; image: string; env?: unknown[] }[] }).containers;
    assert.deepEqual(containers.map((c) => `${c.name}=${c.image}`), ['a=x:2', 'b=y:1']);
    assert.deepEqual(containers[0]!.env, [{ name: 'A', value: '1' }]);
    const json = await api(s.plane, 'PATCH', '/api/v1/namespaces/default/pods/patched', {
      contentType: 'application/json-patch+json', body: [{ op: 'add', path: '/metadata/labels', value: { 'a/b': 'c' } }],
    });
    assert.deepEqual((json.json()['metadata'] as { labels: unknown }).labels, { 'a/b': 'c' });
    const forbiddenChange = await api(s.plane, 'PATCH', '/api/v1/namespaces/default/pods/patched', {
      contentType: 'application/merge-patch+json', body: { spec: { hostNetwork: true } },
    });
    assert.equal(forbiddenChange.status, 422);
    assert.match(forbiddenChange.body, /Pod \\"patched\\" is invalid: spec: Forbidden: pod updates may not change fields other than/);
    // Server-side apply needs a field manager, as kube-apiserver's PatchOptions validation says.
    const apply = await api(s.plane, 'PATCH', '/api/v1/namespaces/default/pods/patched', { contentType: 'application/apply-patch+yaml', body: '{}' });
    assert.equal(apply.status, 422);
    assert.equal(apply.json()['message'], 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  });

  test('api server deletes a pod on no node at once, and a bound pod once its node confirms', async () => {
    await api(s.plane, 'POST', '/api/v1/namespaces/default/pods', { body: pod('unbound', { schedulerName: 'nobody' }) });
    const unbound = await api(s.plane, 'DELETE', '/api/v1/namespaces/default/pods/unbound');
    assert.equal(unbound.status, 200);
    assert.equal((await api(s.plane, 'GET', '/api/v1/namespaces/default/pods/unbound')).status, 404);

    await api(s.plane, 'POST', '/api/v1/namespaces/default/pods', { body: pod('bound', { nodeName: 'somewhere', terminationGracePeriodSeconds: 20 }) });
    const marked = await api(s.plane, 'DELETE', '/api/v1/namespaces/default/pods/bound');
    const meta = marked.json()['metadata'] as { deletionTimestamp?: string; deletionGracePeriodSeconds?: number; uid: string };
    assert.equal(meta.deletionGracePeriodSeconds, 20);
    assert.ok(meta.deletionTimestamp);
    assert.equal((await api(s.plane, 'GET', '/api/v1/namespaces/default/pods/bound')).status, 200);
    const shorter = await api(s.plane, 'DELETE', '/api/v1/namespaces/default/pods/bound', { body: { gracePeriodSeconds: 5 } });
    assert.equal((shorter.json()['metadata'] as { deletionGracePeriodSeconds: number }).deletionGracePeriodSeconds, 5);
    const confirmed = await api(s.plane, 'DELETE', '/api/v1/namespaces/default/pods/bound', { body: { gracePeriodSeconds: 0, preconditions: { uid: meta.uid } } });
    assert.equal(confirmed.status, 200);
    assert.equal((await api(s.plane, 'GET', '/api/v1/namespaces/default/pods/bound')).status, 404);
  });

  test('api server marks a pod on no node for deletion before removing it, as the generic registry does: a watch sees MODIFIED, then DELETED', async () => {
    const created = await api(s.plane, 'POST', '/api/v1/namespaces/default/pods', { body: pod('marked-first', { schedulerName: 'nobody' }) });
    const from = (created.json()['metadata'] as { resourceVersion: string }).resourceVersion;
    const events = watch(s.plane, `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${from}&fieldSelector=metadata.name%3Dmarked-first`, (e) => e.some((x) => x.type === 'DELETED'));
    const deleted = await api(s.plane, 'DELETE', '/api/v1/namespaces/default/pods/marked-first', { body: { gracePeriodSeconds: 30 } });
    assert.equal(deleted.status, 200);
    const meta = (e: { object: Record<string, unknown> }) => e.object['metadata'] as { deletionTimestamp?: string; deletionGracePeriodSeconds?: number };
    const seen = await events;
    assert.deepEqual(seen.map((e) => `${e.type} grace=${meta(e).deletionGracePeriodSeconds} marked=${meta(e).deletionTimestamp !== undefined}`), ['MODIFIED grace=0 marked=true', 'DELETED grace=0 marked=true']);
    assert.equal((deleted.json()['metadata'] as { deletionGracePeriodSeconds?: number }).deletionGracePeriodSeconds, 0);
  });

  test('api server skips an update that changes nothing: the resourceVersion stays and no watch sees it', async () => {
    const created = (await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('still', { a: 'b' }) })).json();
    const rv = (created['metadata'] as { resourceVersion: string }).resourceVersion;
    const events = watch(s.plane, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Dstill`, (e) => e.length > 0);
    const same = await api(s.plane, 'PATCH', '/api/v1/namespaces/default/configmaps/still', { contentType: 'application/merge-patch+json', body: { metadata: { labels: { a: 'b' } } } });
    assert.equal(same.status, 200, same.body);
    assert.equal((same.json()['metadata'] as { resourceVersion: string }).resourceVersion, rv);
    const put = await api(s.plane, 'PUT', '/api/v1/namespaces/default/configmaps/still', { body: created });
    assert.equal((put.json()['metadata'] as { resourceVersion: string }).resourceVersion, rv);
    const changed = await api(s.plane, 'PATCH', '/api/v1/namespaces/default/configmaps/still', { contentType: 'application/merge-patch+json', body: { data: { k: 'w' } } });
    assert.notEqual((changed.json()['metadata'] as { resourceVersion: string }).resourceVersion, rv);
    assert.deepEqual((await events).map((e) => `${e.type} ${(e.object['data'] as { k: string }).k}`), ['MODIFIED w']);
  });

  test('scheduler binds a pod to a fitting node and reports FailedScheduling when none fits', async () => {
    await registerNode(s.plane, 'tainted', { zone: 'b' }, { spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } });
    await api(s.plane, 'POST', '/api/v1/namespaces/default/pods', { body: pod('nowhere', { nodeSelector: { zone: 'a' } }) });
    const condition = await eventually(async () => {
      const p = (await api(s.plane, 'GET', '/api/v1/namespaces/default/pods/nowhere')).json();
      return ((p['status'] as { conditions?: { type: string; status: string; message: string }[] }).conditions ?? []).find((c) => c.type === 'PodScheduled');
    }, 5000, 'the PodScheduled condition');
    assert.equal(condition.status, 'False');
    assert.equal(condition.message, "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.");
    // The pod generation the condition was decided for, as kube-scheduler 1.34+ writes it.
    assert.equal((condition as { observedGeneration?: number }).observedGeneration, 1);
    // Written behind the scheduler's work (see controllers/events.ts).
    const events = await eventually(async () => {
      const items = (await api(s.plane, 'GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dnowhere,reason%3DFailedScheduling')).json()['items'] as { message: string; type: string }[];
      return items.length > 0 ? items : undefined;
    }, 5000, 'the FailedScheduling event');
    assert.equal(events[0]?.type, 'Warning');

    await api(s.plane, 'POST', '/api/v1/namespaces/default/pods', { body: pod('tolerant', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }) });
    const bound = await eventually(async () => ((await api(s.plane, 'GET', '/api/v1/namespaces/default/pods/tolerant')).json()['spec'] as { nodeName?: string }).nodeName, 5000, 'binding');
    assert.equal(bound, 'tainted');
    // A node that matches arrives: the waiting pod is bound to it.
    await registerNode(s.plane, 'zone-a', { zone: 'a' });
    const late = await eventually(async () => ((await api(s.plane, 'GET', '/api/v1/namespaces/default/pods/nowhere')).json()['spec'] as { nodeName?: string }).nodeName, 5000, 'late binding');
    assert.equal(late, 'zone-a');
  });

  test('garbage collector deletes dependents of a deleted owner', async () => {
    const owner = (await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('owner') })).json();
    const uid = (owner['metadata'] as { uid: string }).uid;
    await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { ...cm('dependent'), metadata: { name: 'dependent', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid }] } },
    });
    await api(s.plane, 'DELETE', '/api/v1/namespaces/default/configmaps/owner');
    await eventually(async () => ((await api(s.plane, 'GET', '/api/v1/namespaces/default/configmaps/dependent')).status === 404 ? true : undefined), 5000, 'the dependent to go');
  });

  test('namespace deletion removes its objects, then the namespace', async () => {
    await api(s.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } } });
    await eventually(async () => ((await api(s.plane, 'GET', '/api/v1/namespaces/doomed/serviceaccounts/default')).status === 200 ? true : undefined), 5000, 'the default account');
    await api(s.plane, 'POST', '/api/v1/namespaces/doomed/configmaps', { body: cm('inside') });
    const deleting = await api(s.plane, 'DELETE', '/api/v1/namespaces/doomed');
    assert.equal((deleting.json()['status'] as { phase: string }).phase, 'Terminating');
    const refused = await api(s.plane, 'POST', '/api/v1/namespaces/doomed/configmaps', { body: cm('late') });
    assert.ok(refused.status === 403 || refused.status === 404, refused.body);
    await eventually(async () => ((await api(s.plane, 'GET', '/api/v1/namespaces/doomed')).status === 404 ? true : undefined), 5000, 'the namespace to go');
    assert.deepEqual((await api(s.plane, 'GET', '/api/v1/namespaces/doomed/configmaps')).json()['items'], []);
    const system = await api(s.plane, 'DELETE', '/api/v1/namespaces/kube-system');
    assert.equal(system.status, 403);
    assert.match(system.body, /namespaces \\"kube-system\\" is forbidden: this namespace may not be deleted/);
  });

  test('control plane keeps its objects, CA and admin token across a restart', async () => {
    const second = await startControlPlane();
    await api(second.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('survivor') });
    const { ca } = second.plane.pki;
    const token = second.plane.tokens.adminToken;
    await second.plane.stop();
    const again = await ControlPlane.start({ dataDir: second.dir, host: '127.0.0.1', port: 0 });
    try {
      assert.equal(again.pki.ca.cert, ca.cert);
      assert.equal(again.tokens.adminToken, token);
      assert.equal((await api(again, 'GET', '/api/v1/namespaces/default/configmaps/survivor')).status, 200);
    } finally {
      await again.stop();
      rmSync(second.dir, { recursive: true, force: true });
    }
  });
});
