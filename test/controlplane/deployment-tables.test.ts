/** The deployments, replicasets and scale tables, as kube-apiserver 1.36 prints them (printDeployment, printReplicaSet, printScale). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RESOURCES } from '../../src/controlplane/resources/index.js';
import { toTable, type Printable } from '../../src/controlplane/tables/index.js';
import { scalePrinter } from '../../src/controlplane/tables/scale.js';

const NOW = new Date('2026-01-02T03:04:05Z');
const served = (resource: string): Printable => RESOURCES.find((r) => r.resource === resource)!;
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: 'busybox:1' }, { name: 'side', image: 'busybox:2' }] } };
const meta = { name: 'web', creationTimestamp: '2026-01-02T03:00:05Z' };

describe('deployment tables', () => {
  test('deployments table shows ready of desired, up to date and available, and wide the template and selector', () => {
    const table = toTable(served('deployments'), [{ metadata: meta, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template }, status: { readyReplicas: 2, updatedReplicas: 1, availableReplicas: 2 } }], NOW);
    assert.deepEqual(table.columnDefinitions?.map((c) => [c.name, c.type, c.priority]), [
      ['Name', 'string', 0], ['Ready', 'string', 0], ['Up-to-date', 'string', 0], ['Available', 'string', 0], ['Age', 'string', 0],
      ['Containers', 'string', 1], ['Images', 'string', 1], ['Selector', 'string', 1],
    ]);
    assert.deepEqual(table.rows[0]!.cells, ['web', '2/3', 1, 2, '4m', 'main,side', 'busybox:1,busybox:2', 'app=web']);
  });

  test('replicasets table shows desired, current and ready, and wide the template and selector', () => {
    const table = toTable(served('replicasets'), [{ metadata: meta, spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': 'abc' } }, template }, status: { replicas: 2 } }], NOW);
    assert.deepEqual(table.columnDefinitions?.map((c) => [c.name, c.type, c.priority]), [
      ['Name', 'string', 0], ['Desired', 'integer', 0], ['Current', 'integer', 0], ['Ready', 'integer', 0], ['Age', 'string', 0],
      ['Containers', 'string', 1], ['Images', 'string', 1], ['Selector', 'string', 1],
    ]);
    assert.deepEqual(table.rows[0]!.cells, ['web', 3, 2, 0, '4m', 'main,side', 'busybox:1,busybox:2', 'app=web,pod-template-hash=abc']);
  });

  test('scale table shows desired and observed replicas, its Name column without the name format', () => {
    const table = toTable({ printer: scalePrinter }, [{ metadata: meta, spec: { replicas: 3 }, status: { replicas: 4, selector: 'app=web' } }], NOW);
    assert.deepEqual(table.columnDefinitions?.map((c) => [c.name, c.type, c.format]), [['Name', 'string', ''], ['Desired', 'integer', ''], ['Available', 'integer', ''], ['Age', 'string', '']]);
    assert.deepEqual(table.rows[0]!.cells, ['web', 3, 4, '4m']);
  });
});
