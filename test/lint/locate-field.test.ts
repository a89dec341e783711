/**
 * fieldLocator: Kubernetes field paths to lines and columns of the YAML that holds them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldLocator } from '../../src/api/locate-field.js';

const DOC = `apiVersion: v1
kind: List
items:
- kind: Pod
  metadata:
    labels:
      app.kubernetes.io/name: x
  spec:
    containers:
    - name: a
    - name: b
      args: [one]
`;

test('fieldLocator finds keys, list items and [key] map entries, counted from the document\'s first line', () => {
  const locate = fieldLocator(DOC, 10, ['items', 0]);
  assert.deepEqual(locate('spec.containers[1].args'), { line: 21, column: 7 });
  assert.deepEqual(locate('spec.containers[0]'), { line: 19, column: 7 });
  assert.deepEqual(locate('metadata.labels[app.kubernetes.io/name]'), { line: 16, column: 7 });
  // A field the YAML lacks (defaulted) points at its nearest ancestor; words after a space are not the path.
  assert.deepEqual(locate('spec.containers[1].image'), { line: 20, column: 7 });
  assert.deepEqual(locate('spec.containers[1].args (script configmap/x key run.ps1)'), { line: 21, column: 7 });
  assert.deepEqual(fieldLocator(DOC, 1, ['items', 5])('spec'), { line: 3, column: 1 });
  assert.equal(fieldLocator('', 1)('spec'), undefined);
});
