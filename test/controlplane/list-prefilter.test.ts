/**
 * ObjectApi.list reads only the rows whose stored text can match: a label selector's `key=value`
 * values narrow the read in SQLite, a controller's `referencing` uid reads through the store's
 * index of owners, and the result is the same as selecting among all objects.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { metaOf } from '../../src/controlplane/api/object-meta.js';
import { ADMIN, resourceOf, startBatchHarness } from '../support/batch-harness.js';

describe('list prefilter', () => {
  const h = startBatchHarness();
  after(() => h.close());
  const configMaps = resourceOf('configmaps');
  // "web" also appears in b's data and in c's other label, where a selector on app must not match.
  const objects = [
    { name: 'a', labels: { app: 'web', tier: 'front' }, data: {} },
    { name: 'b', labels: { app: 'db' }, data: { note: 'web' } },
    { name: 'c', labels: { app: 'cache', role: 'web' }, data: {} },
    { name: 'd', labels: { app: 'web' }, data: {}, owners: [{ apiVersion: 'v1', kind: 'Secret', name: 's', uid: 'uid-7' }] },
    // Holds the uid in its text without naming it as an owner: not referencing it.
    { name: 'f', labels: { app: 'db' }, data: { note: 'uid-7' } },
    { name: 'e', labels: {}, data: {} },
  ];
  for (const o of objects) h.api.create(configMaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: o.name, labels: o.labels, ...(o.owners ? { ownerReferences: o.owners } : {}) }, data: o.data }, ADMIN);
  const names = (query: Parameters<typeof h.api.list>[2]): string[] => h.api.list(configMaps, 'default', query).items.map((i) => metaOf(i).name ?? '');

  test('label selectors give the same objects as without the prefilter', () => {
    assert.deepEqual(names({ labelSelector: 'app=web' }), ['a', 'd']);
    assert.deepEqual(names({ labelSelector: 'app==web,tier=front' }), ['a']);
    assert.deepEqual(names({ labelSelector: 'app!=web' }), ['b', 'c', 'e', 'f']);
    assert.deepEqual(names({ labelSelector: 'app in (web,db)' }), ['a', 'b', 'd', 'f']);
    assert.deepEqual(names({ labelSelector: 'role=web' }), ['c']);
    assert.deepEqual(names({ labelSelector: 'app=nothing' }), []);
    assert.deepEqual(names({ labelSelector: 'app' }), ['a', 'b', 'c', 'd', 'f']);
  });

  test('a page of a selected list ends with a continue token while rows follow, as before', () => {
    const first = h.api.list(configMaps, 'default', { labelSelector: 'app=web', limit: 1 });
    assert.deepEqual(first.items.map((i) => metaOf(i).name), ['a']);
    assert.ok(first.continue);
    const second = h.api.list(configMaps, 'default', { labelSelector: 'app=web', limit: 1, continue: first.continue });
    assert.deepEqual(second.items.map((i) => metaOf(i).name), ['d']);
  });

  test('referencing gives the objects owned by the uid, selectors still applying', () => {
    assert.deepEqual(names({ referencing: 'uid-7' }), ['d']);
    assert.deepEqual(names({ referencing: 'uid-7', labelSelector: 'app=web' }), ['d']);
    assert.deepEqual(names({ referencing: 'uid-7', labelSelector: 'app=db' }), []);
    assert.deepEqual(names({ referencing: 'uid-8' }), []);
  });
});
