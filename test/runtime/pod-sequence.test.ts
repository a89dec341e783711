/** The kubelet's order for a pod's containers, which hostpod run and the node agent share. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextPodStep, type ContainerProgress } from '../../src/runtime/pod-sequence.js';

const init = (name: string, state: ContainerProgress['state']): ContainerProgress => ({ name, init: true, state });
const app = (name: string, state: ContainerProgress['state']): ContainerProgress => ({ name, init: false, state });

test('init containers run one at a time, in order, each to success, before any container', () => {
  assert.deepEqual(nextPodStep('Always', [init('a', 'none'), init('b', 'none'), app('web', 'none')]), { start: ['a'] });
  assert.deepEqual(nextPodStep('Always', [init('a', 'running'), init('b', 'none'), app('web', 'none')]), { start: [], initRunning: 'a' });
  assert.deepEqual(nextPodStep('Always', [init('a', { exitCode: 0 }), init('b', 'none'), app('web', 'none')]), { start: ['b'] });
  assert.deepEqual(nextPodStep('Always', [init('a', { exitCode: 0 }), init('b', { exitCode: 0 }), app('web', 'none'), app('side', 'none')]), { start: ['web', 'side'] });
});

test('a failed init container runs again unless the policy is Never, which fails the pod', () => {
  assert.deepEqual(nextPodStep('OnFailure', [init('a', { exitCode: 1 }), app('web', 'none')]), { start: ['a'] });
  assert.deepEqual(nextPodStep('Always', [init('a', { exitCode: 1 }), app('web', 'none')]), { start: ['a'] });
  assert.deepEqual(nextPodStep('Never', [init('a', { exitCode: 1 }), app('web', 'none')]), { start: [], initFailed: 'a' });
});

test('ended containers start again as the restart policy says; running ones are left alone', () => {
  const ended = [app('ok', { exitCode: 0 }), app('bad', { exitCode: 2 }), app('up', 'running')];
  assert.deepEqual(nextPodStep('Always', ended).start, ['ok', 'bad']);
  assert.deepEqual(nextPodStep('OnFailure', ended).start, ['bad']);
  assert.deepEqual(nextPodStep('Never', ended).start, []);
});
