/**
 * A container whose monitor is gone: recorded as lost (exit 137, ContainerStatusUnknown), unless
 * the monitor recorded the real end first, which a lost one never replaces.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { StartRequest } from '../../src/runtime/index.js';
import { markLost } from '../../src/runtime/linux/lifecycle.js';
import { hostPod, rootSkip, shell, testRuntime, until, type TestRuntime } from '../support/runtime.js';

describe('a container whose monitor is gone', { skip: rootSkip(), timeout: 60_000 }, () => {
  let t: TestRuntime;
  before(async () => {
    t = await testRuntime();
  });
  after(async () => {
    await t?.close();
  });
  const request = (script: string): StartRequest => {
    const pod = hostPod([shell(script)]);
    return { pod, container: pod.spec!.containers[0]!, init: false, restartCount: 0, podDir: t.runtime.preparePod(pod.metadata!.uid!), mountMode: 'bind' };
  };

  test('its monitor killed while the workload runs: the workload is killed, the end recorded as lost', async () => {
    const info = await t.runtime.start(request('echo ready; while :; do sleep 0.05; done'));
    await until('the workload to run', () => t.runtime.containers.initPid(info.id) !== undefined);
    const monitor = t.runtime.containers.liveMonitor(info.id);
    assert.ok(monitor !== undefined, 'a running container has a live monitor');
    process.kill(monitor, 'SIGKILL');
    await until('the monitor to end', () => t.runtime.containers.liveMonitor(info.id) === undefined);
    const status = await t.runtime.wait(info.id);
    assert.deepEqual([status.exitCode, status.reason], [137, 'ContainerStatusUnknown']);
    assert.match(readFileSync(join(t.runtime.containers.dir(info.id), 'exit'), 'utf8'), /lost=its monitor died/);
  });

  test('its monitor ended after recording the exit, between a caller\'s two looks: the real exit is kept', async () => {
    const info = await t.runtime.start(request('exit 3'));
    const exitFile = join(t.runtime.containers.dir(info.id), 'exit');
    await until('the monitor to record the exit and end', () => existsSync(exitFile) && t.runtime.containers.liveMonitor(info.id) === undefined);
    const recorded = readFileSync(exitFile, 'utf8');
    // A caller that looked for the exit file before the monitor wrote it, and for the monitor after it ended.
    await markLost(t.runtime, info.id, 'its monitor died');
    assert.equal(readFileSync(exitFile, 'utf8'), recorded, 'the exit file is the monitor\'s');
    const status = await t.runtime.wait(info.id);
    assert.deepEqual([status.exitCode, status.reason], [3, 'Error']);
  });
});
