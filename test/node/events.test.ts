/**
 * The agent's events go through a client limited as the kubelet's event client is
 * (eventRecordQPS 50, eventBurst 100): a burst at once, then at most the rate; when the agent
 * stops, what is queued goes at once.
 */
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { describe, test } from 'node:test';
import { EVENT_BURST, EVENT_QPS, EventRecorder, TokenBucket } from '../../src/node/events.js';
import type { KubeClient } from '../../src/node/kube-client/client.js';

const pod: V1Pod = { metadata: { name: 'p', namespace: 'default', uid: 'u-1' } };

/** A client that records when each event reached it. */
function recordingClient(): { client: KubeClient; sent: number[] } {
  const sent: number[] = [];
  const client = {
    create: (): Promise<unknown> => {
      sent.push(performance.now());
      return Promise.resolve({});
    },
    mergePatch: (): Promise<unknown> => {
      sent.push(performance.now());
      return Promise.resolve({});
    },
  } as unknown as KubeClient;
  return { client, sent };
}

const until = async (check: () => boolean, ms = 5000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('node agent events', () => {
  test("the kubelet's defaults: 50 a second after a burst of 100", () => {
    assert.deepEqual([EVENT_QPS, EVENT_BURST], [50, 100]);
    const bucket = new TokenBucket(EVENT_QPS, EVENT_BURST);
    const waits = Array.from({ length: 102 }, () => bucket.take());
    assert.deepEqual(waits.slice(0, 100), Array.from({ length: 100 }, () => 0), 'the burst goes at once');
    assert.ok(waits[100]! > 15 && waits[100]! <= 20 && waits[101]! > 35 && waits[101]! <= 40, `then one every 20 ms (${waits.slice(100).join(', ')})`);
  });

  test('a burst goes at once, the rest at the rate; on stop, what is queued goes at once', async () => {
    const { client, sent } = recordingClient();
    const events = new EventRecorder(client, 'node-a', () => {}, { qps: 20, burst: 3 });
    const begun = performance.now();
    for (let i = 0; i < 7; i++) events.record(pod, 'Normal', 'Step', `step ${i}`);
    await until(() => sent.length === 7);
    const at = sent.map((t) => t - begun);
    assert.ok(at[2]! < 40, `the burst of 3 at once (${at.map(Math.round).join(', ')} ms)`);
    assert.ok(at[6]! >= 180, `the 4 after it at 20 a second, the last after 200 ms (${at.map(Math.round).join(', ')} ms)`);

    // The bucket is empty: the agent stops, and the queue is sent without waiting for it.
    for (let i = 7; i < 12; i++) events.record(pod, 'Normal', 'Step', `step ${i}`);
    const stopping = performance.now();
    await events.flush();
    assert.equal(sent.length, 12);
    assert.ok(performance.now() - stopping < 100, `flush sends what is queued at once (${Math.round(performance.now() - stopping)} ms)`);
  });
});
