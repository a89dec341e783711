/** The scheduler's cache of the pods on each node follows binds, moves and deletions. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BoundPods } from '../../src/controlplane/controllers/bound-pods.js';
import type { Change } from '../../src/controlplane/store/index.js';

const pod = (name: string, nodeName?: string) => ({ metadata: { name, namespace: 'default' }, spec: nodeName ? { nodeName } : {} });
const change = (type: Change['type'], object: Record<string, unknown>): Change => {
  const name = (object['metadata'] as { name: string }).name;
  return { type, revision: 1, key: { resource: 'pods', namespace: 'default', name }, object, text: JSON.stringify(object) };
};
const names = (bound: BoundPods, node: string) => bound.on(node).map((p) => (p['metadata'] as { name: string }).name).sort();

describe('bound pods', () => {
  test('a pod counts on its node once bound, moves with its node name and leaves when deleted', () => {
    const bound = new BoundPods();
    bound.record('default/listed', pod('listed', 'a'));
    bound.apply(change('ADDED', pod('pending')));
    assert.deepEqual(names(bound, 'a'), ['listed']);
    bound.apply(change('MODIFIED', pod('pending', 'a')));
    bound.apply(change('MODIFIED', pod('pending', 'a')));
    assert.deepEqual(names(bound, 'a'), ['listed', 'pending']);
    bound.apply(change('MODIFIED', pod('listed', 'b')));
    assert.deepEqual([names(bound, 'a'), names(bound, 'b')], [['pending'], ['listed']]);
    bound.apply(change('DELETED', pod('pending', 'a')));
    assert.deepEqual(names(bound, 'a'), []);
    assert.deepEqual(names(bound, 'nowhere'), []);
  });
});
