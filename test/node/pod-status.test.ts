/** The kubelet's pod phase and conditions, CrashLoopBackOff timing, and when the status is reported. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { podConditions, podPhase, type ContainerStatusJson } from '../../src/node/pod-status.js';
import { RestartBackoff } from '../../src/node/restart-backoff.js';
import { PodStatusManager } from '../../src/node/pod-status-manager.js';
import type { KubeClient } from '../../src/node/kube-client/client.js';
import type { ContainerRuntime } from '../../src/runtime/index.js';
import type { V1Pod } from '@kubernetes/client-node';

const running = (name: string, ready = true): ContainerStatusJson => ({ name, image: 'i', imageID: '', ready, restartCount: 0, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } });
const exited = (name: string, exitCode: number): ContainerStatusJson => ({ name, image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode } } });
const crashLooping = (name: string, exitCode: number): ContainerStatusJson => ({
  name, image: 'i', imageID: '', ready: false, restartCount: 3,
  state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode } },
});
const creating = (name: string): ContainerStatusJson => ({ name, image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } });

describe('pod phase', () => {
  test('Pending until the init containers have succeeded, Failed when one fails under Never', () => {
    assert.equal(podPhase('Always', ['init'], [], ['main'], []), 'Pending');
    assert.equal(podPhase('Always', ['init'], [running('init')], ['main'], []), 'Pending');
    assert.equal(podPhase('Never', ['init'], [exited('init', 1)], ['main'], []), 'Failed');
    assert.equal(podPhase('OnFailure', ['init'], [exited('init', 1)], ['main'], []), 'Pending');
    assert.equal(podPhase('Always', ['init'], [exited('init', 0)], ['main'], [running('main')]), 'Running');
  });

  test('Running while a container runs or restarts; Succeeded or Failed once all ended for good', () => {
    assert.equal(podPhase('Always', [], [], ['a', 'b'], [running('a'), creating('b')]), 'Pending');
    assert.equal(podPhase('Always', [], [], ['a'], [crashLooping('a', 1)]), 'Running');
    assert.equal(podPhase('Always', [], [], ['a'], [exited('a', 0)]), 'Running');
    assert.equal(podPhase('Never', [], [], ['a', 'b'], [exited('a', 0), exited('b', 0)]), 'Succeeded');
    assert.equal(podPhase('Never', [], [], ['a', 'b'], [exited('a', 0), exited('b', 2)]), 'Failed');
    assert.equal(podPhase('OnFailure', [], [], ['a'], [exited('a', 0)]), 'Succeeded');
    assert.equal(podPhase('OnFailure', [], [], ['a'], [crashLooping('a', 1)]), 'Running');
    assert.equal(podPhase('Never', [], [], ['a', 'b'], [running('a'), exited('b', 1)]), 'Running');
  });
});

describe('pod conditions', () => {
  const now = new Date('2026-01-01T00:01:00Z');
  test('name the incomplete init containers and the unready containers, and keep transition times', () => {
    const pending = podConditions('Pending', ['init'], [running('init')], ['a', 'b'], [], [], now);
    assert.deepEqual(pending.map((c) => `${c.type}=${c.status} ${c.reason ?? ''} ${c.message ?? ''}`.trim()), [
      'Initialized=False ContainersNotInitialized containers with incomplete status: [init]',
      'Ready=False ContainersNotReady containers with unready status: [a b]',
      'ContainersReady=False ContainersNotReady containers with unready status: [a b]',
    ]);
    const later = new Date('2026-01-01T00:02:00Z');
    const ready = podConditions('Running', ['init'], [exited('init', 0)], ['a', 'b'], [running('a'), running('b')], pending, later);
    assert.deepEqual(ready.map((c) => `${c.type}=${c.status}`), ['Initialized=True', 'Ready=True', 'ContainersReady=True']);
    assert.ok(ready.every((c) => c.lastTransitionTime === '2026-01-01T00:02:00Z'));
    const again = podConditions('Running', ['init'], [exited('init', 0)], ['a', 'b'], [running('a'), running('b')], ready, new Date('2026-01-01T00:03:00Z'));
    assert.ok(again.every((c) => c.lastTransitionTime === '2026-01-01T00:02:00Z'));
  });

  test('a completed pod is not Ready, with reason PodCompleted', () => {
    const done = podConditions('Succeeded', [], [], ['a'], [exited('a', 0)], [], now);
    assert.deepEqual(done.map((c) => `${c.type}=${c.status} ${c.reason ?? ''}`.trim()), ['Initialized=True', 'Ready=False PodCompleted', 'ContainersReady=False PodCompleted']);
  });
});

describe('CrashLoopBackOff', () => {
  test('restarts at once, then after 10 s doubling to 5 minutes, and starts over after 10 minutes of running', () => {
    const backoff = new RestartBackoff();
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) delays.push(backoff.next('pod/main', at(0), at(1)) / 1000);
    assert.deepEqual(delays, [0, 10, 20, 40, 80, 160, 300, 300]);
    assert.equal(backoff.next('pod/main', at(0), at(600)), 0);
    assert.equal(backoff.next('pod/main', at(0), at(1)), 10_000);
    assert.equal(backoff.next('other/main', at(0), at(1)), 0);
    backoff.forget('pod/');
    assert.equal(backoff.next('pod/main', at(0), at(1)), 0);
  });
});

describe('pod status reports', () => {
  test("a status the API server sent back with a condition's fields in its own order is not patched again", async () => {
    const patches: unknown[] = [];
    // The API server answers with the pod as patched, the kept PodScheduled condition's fields in
    // its order (status before type), not in the order the agent wrote them.
    const client = {
      mergePatch: (_path: string, body: { status: { conditions: Record<string, unknown>[] } }) => {
        patches.push(body);
        const conditions = body.status.conditions.map((c) => Object.fromEntries(Object.entries(c).reverse()));
        return Promise.resolve({ metadata: { name: 'p', namespace: 'default', uid: 'u1' }, status: { ...body.status, conditions } });
      },
    } as unknown as KubeClient;
    const manager = new PodStatusManager(client, {} as ContainerRuntime, '127.0.0.1');
    const scheduled = { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] } } as unknown as V1Pod;
    const first = await manager.publish(scheduled, [], 'Always', '2026-01-01T00:00:01Z', undefined);
    assert.equal(patches.length, 1, 'the first status is patched');
    assert.ok(first && first !== 'gone');
    assert.equal(await manager.publish(first, [], 'Always', '2026-01-01T00:00:01Z', undefined), undefined, 'nothing changed');
    assert.equal(patches.length, 1, 'the same status, in another key order, is not patched again');
    await manager.publish(first, [], 'Always', '2026-01-01T00:00:02Z', undefined);
    assert.equal(patches.length, 2, 'a changed status is patched');
  });
});
