/**
 * The pod garbage collector's orphan rule, as kube-controller-manager's podgc applies it: pods
 * bound to a Node that no longer exists (still missing after a quarantine) are marked Failed with
 * a DisruptionTarget condition and deleted with grace period 0, so a deleted node's pods do not
 * stay Terminating for ever. A node that comes back in time keeps its pods.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KubeClient, type WatchEvent } from '../../src/node/kube-client/client.js';
import { loadKubeconfig } from '../../src/node/kube-client/kubeconfig.js';
import { api, eventually, kubectl, kubectlSkip, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { registerNode } from '../support/kubelet-stand-in.js';

const QUARANTINE_MS = 300;

let started: StartedPlane;
let client: KubeClient;
before(async () => {
  started = await startControlPlane({ podGcQuarantineMs: QUARANTINE_MS });
  client = new KubeClient(loadKubeconfig(started.kubeconfig));
});
after(async () => {
  client.close();
  await started.stop();
});

type PodView = { metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[] } };

async function pod(name: string, nodeName: string, phase?: string): Promise<void> {
  const created = await api(started.plane, 'POST', '/api/v1/namespaces/default/pods', {
    body: { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, terminationGracePeriodSeconds: 3600, containers: [{ name: 'c', image: 'busybox' }] } },
  });
  assert.equal(created.status, 201, created.body);
  if (phase) {
    const patched = await api(started.plane, 'PATCH', `/api/v1/namespaces/default/pods/${name}/status`, { contentType: 'application/merge-patch+json', body: { status: { phase } } });
    assert.equal(patched.status, 200, patched.body);
  }
}

async function exists(name: string): Promise<boolean> {
  return (await api(started.plane, 'GET', `/api/v1/namespaces/default/pods/${name}`)).status === 200;
}

describe('the pod garbage collector', () => {
  test('fails and force-deletes the pods of a deleted Node, Terminating ones too; other nodes\' pods stay', { skip: kubectlSkip('1.33') }, async () => {
    await registerNode(started.plane, 'doomed');
    await registerNode(started.plane, 'alive');
    await pod('running', 'doomed', 'Running');
    await pod('terminating', 'doomed', 'Running');
    await pod('done', 'doomed', 'Succeeded');
    await pod('elsewhere', 'alive', 'Running');
    const k = kubectl('1.33', started.kubeconfig);
    assert.equal((await k('delete', 'pod', 'terminating', '--wait=false')).code, 0);
    const terminating = (await api(started.plane, 'GET', '/api/v1/namespaces/default/pods/terminating')).json() as unknown as PodView;
    assert.ok(terminating.metadata.deletionTimestamp, 'Terminating: only its node would confirm the deletion');

    const list = await client.get<{ metadata: { resourceVersion: string } }>('/api/v1/namespaces/default/pods');
    const events: WatchEvent<PodView>[] = [];
    const abort = new AbortController();
    const watching = client.watch<PodView>('/api/v1/namespaces/default/pods', { resourceVersion: list.metadata.resourceVersion }, (e) => events.push(e), abort.signal);

    const deleted = await k('delete', 'node', 'doomed');
    assert.equal(deleted.code, 0, deleted.stderr);
    await eventually(async () => (!(await exists('running')) && !(await exists('terminating')) && !(await exists('done')) ? true : undefined), 10_000, 'the orphaned pods to go');
    abort.abort();
    await watching;
    assert.equal(await exists('elsewhere'), true);

    for (const name of ['running', 'terminating']) {
      const failed = events.find((e) => e.type === 'MODIFIED' && e.object.metadata.name === name && e.object.status?.phase === 'Failed');
      assert.ok(failed, `${name} is marked Failed before it goes`);
      const condition = failed.object.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
      assert.deepEqual({ ...condition, lastTransitionTime: undefined }, { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: undefined, lastProbeTime: null });
      assert.ok(events.some((e) => e.type === 'DELETED' && e.object.metadata.name === name), `${name} is deleted`);
    }
    assert.equal(events.some((e) => e.type === 'MODIFIED' && e.object.metadata.name === 'done' && e.object.status?.phase === 'Failed'), false, 'a pod that ended stays Succeeded');
    assert.equal((await k('get', 'pods', '-o', 'name')).stdout, 'pod/elsewhere\n');
  });

  test('a pod bound to a node that was never registered goes too; a node back within the quarantine keeps its pods', async () => {
    await pod('ghostly', 'never-registered', 'Pending');
    await registerNode(started.plane, 'flaky');
    await pod('kept', 'flaky', 'Running');
    assert.equal((await api(started.plane, 'DELETE', '/api/v1/nodes/flaky')).status, 200);
    await registerNode(started.plane, 'flaky');
    await eventually(async () => (!(await exists('ghostly')) ? true : undefined), 10_000, 'the pod of a node that never was');
    // Past several quarantines, the pod of the node that came back is still there.
    await new Promise((resolve) => setTimeout(resolve, QUARANTINE_MS * 4));
    assert.equal(await exists('kept'), true);
  });
});
