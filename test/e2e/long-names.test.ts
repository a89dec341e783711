/**
 * The longest names the API admits (a 253-character pod name in a 63-character namespace): the
 * node's directories stay within the file system's 255-byte names (the kubelet's layout when it
 * fits, the long part hashed when not), the pod runs, its log reads through the kubelet endpoint,
 * a start that fails says why in an event, and deletion cleans up the same directories.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { api, eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { startTestNode, type TestNode } from '../support/node-agent.js';
import { hostPod, rootSkip, shell, testRuntime, type TestRuntime } from '../support/runtime.js';

const skip = rootSkip();
const NAMESPACE = `n${'s'.repeat(61)}n`;
const name = (tag: string): string => `${tag}${'p'.repeat(253 - tag.length)}`;

describe('pods with the longest names the API admits', { skip, timeout: 120_000 }, () => {
  let plane: StartedPlane;
  let t: TestRuntime;
  let node: TestNode;
  before(async () => {
    plane = await startControlPlane();
    t = await testRuntime();
    node = await startTestNode(plane, t.runtime);
    const created = await api(plane.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } } });
    assert.equal(created.status, 201, created.body);
  });
  after(async () => {
    await node?.stop();
    await t?.close();
    await plane?.stop();
  });

  const podPath = (pod: string): string => `/api/v1/namespaces/${NAMESPACE}/pods/${pod}`;

  test('a 253-character pod in a 63-character namespace runs, logs through the kubelet endpoint, and is cleaned up', async () => {
    const pod = hostPod([shell('echo hello from a long name; exec sleep 600')], { terminationGracePeriodSeconds: 0 }, name('run'));
    pod.metadata = { name: pod.metadata!.name!, namespace: NAMESPACE };
    await node.createPod(pod);
    await eventually(async () => {
      const status = (await api(plane.plane, 'GET', podPath(name('run')))).json() as { status?: { phase?: string; containerStatuses?: { state?: { running?: unknown } }[] } };
      return status.status?.containerStatuses?.[0]?.state?.running ? true : undefined;
    }, 30_000, `the pod to run (agent log: ${node.logs.join('\n')})`);
    const logs = await eventually(async () => {
      const response = await api(plane.plane, 'GET', `${podPath(name('run'))}/log`);
      return response.status === 200 && response.body.includes('hello') ? response.body : undefined;
    }, 10_000, 'its log');
    assert.equal(logs, 'hello from a long name\n');
    const dirs = readdirSync(t.runtime.logRoot);
    assert.equal(dirs.length, 1);
    assert.ok(Buffer.byteLength(dirs[0] ?? '') <= 255, `the log directory's name fits (${dirs[0]?.length} characters)`);
    assert.equal((await api(plane.plane, 'DELETE', podPath(name('run')))).status, 200);
    await eventually(async () => ((await api(plane.plane, 'GET', podPath(name('run')))).status === 404 ? true : undefined), 30_000, 'the deletion');
    await eventually(() => (readdirSync(t.runtime.logRoot).length === 0 ? true : undefined), 5_000, 'its log directory to be removed');
  });

  test('a start that fails records an event saying why', async () => {
    const pod = hostPod([{ name: 'app', image: 'localhost/hostprocess-base:latest', command: ['no-such-binary-xyz'] }], { terminationGracePeriodSeconds: 0 }, name('bad'));
    pod.metadata = { name: pod.metadata!.name!, namespace: NAMESPACE };
    await node.createPod(pod);
    const failed = await eventually(async () => {
      const list = (await api(plane.plane, 'GET', `/api/v1/namespaces/${NAMESPACE}/events`)).json() as { items: { reason: string; type: string; message: string; involvedObject: { name: string } }[] };
      return list.items.find((e) => e.involvedObject.name === name('bad') && e.reason === 'Failed');
    }, 30_000, `a Failed event (agent log: ${node.logs.join('\n')})`);
    assert.equal(failed.type, 'Warning');
    assert.match(failed.message, /failed to find executable "no-such-binary-xyz"/);
    assert.equal((await api(plane.plane, 'DELETE', `${podPath(name('bad'))}?gracePeriodSeconds=0`)).status, 200);
    await eventually(async () => ((await api(plane.plane, 'GET', podPath(name('bad')))).status === 404 ? true : undefined), 30_000, 'the deletion');
  });
});
