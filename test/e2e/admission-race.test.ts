/**
 * The node agent admits the pods that come in one piece of its watch one after the other, each
 * against the pods admitted before it, as the kubelet admits its pod additions in turn: two pods
 * that fit the node's CPU one at a time but not together get one running and one refused
 * (OutOfcpu), even when their events arrive together.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubeClient } from '../../src/node/kube-client/client.js';
import { api, eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { startTestNode } from '../support/node-agent.js';
import { hostPod, rootSkip, shell, testRuntime, type TestRuntime } from '../support/runtime.js';

const skip = rootSkip();

describe('the node agent admitting pods that arrive together', { skip, timeout: 120_000 }, () => {
  let plane: StartedPlane;
  let t: TestRuntime;
  before(async () => {
    plane = await startControlPlane();
    t = await testRuntime();
  });
  after(async () => {
    await t?.close();
    await plane?.stop();
  });

  /**
   * A node whose pod watch holds the ADDED event of `first` until that of `second` comes, then
   * hands both over at once, as when they arrive in one chunk of the watch's stream.
   */
  function addedTogether(first: string, second: string) {
    return (client: KubeClient) => {
      const watch = client.watch.bind(client);
      client.watch = (async (path: string, query: Parameters<KubeClient['watch']>[1], onEvent: (event: { type: string; object: unknown }) => void, signal?: AbortSignal) => {
        if (path !== '/api/v1/pods') return watch(path, query, onEvent, signal);
        let held: { type: string; object: unknown } | undefined;
        return watch(path, query, (event) => {
          const name = (event.object as { metadata?: { name?: string } }).metadata?.name;
          if (event.type === 'ADDED' && name === first && held === undefined) {
            held = event;
            return;
          }
          if (event.type === 'ADDED' && name === second && held !== undefined) onEvent(held);
          onEvent(event);
        }, signal);
      }) as KubeClient['watch'];
    };
  }

  test('two pods whose CPU requests fit the node only one at a time, in one piece of the watch: one runs, one is refused OutOfcpu', async () => {
    const node = await startTestNode(plane, t.runtime, undefined, { client: addedTogether('race-a', 'race-b') });
    try {
      const nodeObject = (await api(plane.plane, 'GET', `/api/v1/nodes/${node.name}`)).json();
      const cpu = Number(((nodeObject['status'] as { allocatable?: Record<string, string> }).allocatable ?? {})['cpu']);
      assert.ok(cpu > 0, `the node's allocatable CPU is a whole number of cores: ${JSON.stringify(nodeObject['status'])}`);
      // Each asks for 60 % of the node: either fits alone, the two together do not.
      const request = `${Math.ceil(cpu * 600)}m`;
      for (const name of ['race-a', 'race-b']) {
        const pod = hostPod([shell('exec sleep 300', { resources: { requests: { cpu: request } } })], { terminationGracePeriodSeconds: 0 }, name);
        delete pod.metadata!.uid;
        await node.createPod(pod);
      }
      const phases = await eventually(async () => {
        const got = await Promise.all(['race-a', 'race-b'].map(async (name) => (await api(plane.plane, 'GET', `/api/v1/namespaces/default/pods/${name}`)).json()));
        const states = got.map((p) => p['status'] as { phase?: string; reason?: string });
        return states.every((s) => s.phase === 'Running' || s.phase === 'Failed') ? states : undefined;
      }, 60_000, 'both pods to be running or refused');
      assert.deepEqual(phases.map((s) => s.phase), ['Running', 'Failed'], `race-a runs and race-b is refused: ${JSON.stringify(phases)}`);
      assert.equal(phases[1]!.reason, 'OutOfcpu');
    } finally {
      for (const name of ['race-a', 'race-b']) await api(plane.plane, 'DELETE', `/api/v1/namespaces/default/pods/${name}?gracePeriodSeconds=0`);
      await node.stop();
    }
  });
});
