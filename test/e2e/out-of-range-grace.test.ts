/**
 * Every grace period the API admits (any int64; above 2^53 it reaches hostpod as an inexact
 * number) starts a container, and is clamped where the monitor's and the timers' arithmetic needs
 * a bound: a grace beyond 68 years is "for ever".
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readLog } from '../../src/runtime/logs.js';
import { hostPod, rootSkip, shell, testRuntime, type TestRuntime } from '../support/runtime.js';

/** int64's largest value as JSON.parse reads it from a pod: 2^63, not exact. */
const INT64_MAX = Number('9223372036854775807');

const skip = rootSkip();

/** Waits until the workload has set its trap (it says ready after): a stop before would find none. */
async function trapped(logPath: string): Promise<void> {
  while (!readLog(logPath).some((e) => e.text === 'ready')) await new Promise((r) => setTimeout(r, 20));
}

describe('out-of-range grace periods', { skip, timeout: 120_000 }, () => {
  let t: TestRuntime;
  before(async () => {
    t = await testRuntime();
  });
  after(async () => {
    await t.close();
  });

  for (const [grace, kept] of [
    [INT64_MAX, 2 ** 31 - 1],
    [2 ** 53 + 2, 2 ** 31 - 1],
    [1e300, 2 ** 31 - 1],
    [2 ** 31, 2 ** 31 - 1],
    [2 ** 31 - 1, 2 ** 31 - 1],
    [3600.9, 3600],
    [0, 0],
  ] as const) {
    test(`terminationGracePeriodSeconds ${grace}: the container starts with a grace of ${kept} s and stops when told to`, async () => {
      // A workload that ignores SIGTERM: only the kill after the grace (0 here) ends it.
      const pod = hostPod([shell('trap "" TERM; echo ready; while :; do sleep 0.1; done')], { terminationGracePeriodSeconds: grace });
      const record = t.runtime.containers.record((await t.runtime.start({ pod, container: pod.spec!.containers[0]!, init: false, restartCount: 0, podDir: join(t.dataDir, 'pods', 'p'), mountMode: 'bind' })).id);
      assert.equal(record.graceSeconds, kept);
      await trapped(record.logPath);
      const status = await t.runtime.stop(record.id, 0);
      assert.equal(status.exitCode, 137);
    });
  }

  test('a stop with a grace beyond any bound is accepted (the container is given for ever)', async () => {
    const pod = hostPod([shell('trap "exit 7" TERM; echo ready; while :; do sleep 0.1; done')]);
    const record = t.runtime.containers.record((await t.runtime.start({ pod, container: pod.spec!.containers[0]!, init: false, restartCount: 0, podDir: join(t.dataDir, 'pods', 'p'), mountMode: 'bind' })).id);
    await trapped(record.logPath);
    // The workload ends on the stop signal itself, so the stop returns as soon as it does.
    const status = await t.runtime.stop(record.id, INT64_MAX);
    assert.equal(status.exitCode, 7);
  });
});
