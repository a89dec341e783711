/**
 * The node agent and versions of a pod that cross: a deletion the watch brings while the agent's
 * own status patch is on its way must not be lost to the older version that the patch's answer
 * carries (the pod would run on, deleted in the API).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubeClient } from '../../src/node/kube-client/client.js';
import { api, eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { startTestNode } from '../support/node-agent.js';
import { processAlive, uniqueSleep } from '../support/processes.js';
import { hostPod, rootSkip, shell, testRuntime, type TestRuntime } from '../support/runtime.js';

const skip = rootSkip();

describe('the node agent and crossing versions of a pod', { skip, timeout: 120_000 }, () => {
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

  test("a deletion that comes while the agent's status patch is on its way stops the pod", async () => {
    // The answer to the agent's first status patch of the pod is held until the deletion is seen.
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    const node = await startTestNode(plane, t.runtime, undefined, {
      client: (client: KubeClient) => {
        const mergePatch = client.mergePatch.bind(client);
        client.mergePatch = async <T>(path: string, patch: unknown): Promise<T> => {
          const answer = await mergePatch<T>(path, patch);
          if (path.endsWith('/pods/crossing/status') && !holding) {
            holding = true;
            await held;
          }
          return answer;
        };
      },
    });
    try {
      const marker = uniqueSleep();
      const pod = hostPod([shell(`${marker} & wait`)], { terminationGracePeriodSeconds: 1 }, 'crossing');
      delete pod.metadata!.uid;
      await node.createPod(pod);
      await eventually(() => (holding && processAlive(marker) ? true : undefined), 30_000, 'the container to run and its status patch to be held');
      const deleted = await api(plane.plane, 'DELETE', '/api/v1/namespaces/default/pods/crossing');
      assert.equal(deleted.status, 200, deleted.body);
      // The watch brings the deletion to the agent; then the held answer (the pod before it) arrives.
      await new Promise((r) => setTimeout(r, 500));
      release!();
      await eventually(() => (processAlive(marker) ? undefined : true), 30_000, `the container to be stopped (agent log: ${node.logs.join('\n')})`);
      await eventually(async () => ((await api(plane.plane, 'GET', '/api/v1/namespaces/default/pods/crossing')).status === 404 ? true : undefined), 30_000, 'the pod to be deleted for good');
    } finally {
      release?.();
      await node.stop();
    }
  });
});
