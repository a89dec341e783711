import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveKind } from '../../src/api/kinds.js';
import { decodeObject } from '../../src/api/schema.js';

const checkSchema = (kind: string, object: Record<string, unknown>) => decodeObject(kind, object).errors;
import { rendered } from '../helpers.js';

describe('object decoding', () => {
  test('fields of the wrong JSON type are reported at their path', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { version: 1 } }, spec: { hostNetwork: 'yes please', containers: 'app' } };
    assert.deepEqual(rendered(checkSchema('Pod', pod)), [
      'metadata.labels[version]: Invalid value: 1: must be a string, not a number',
      'spec.hostNetwork: Invalid value: "yes please": must be a boolean (true or false), not a string',
      'spec.containers: Invalid value: "app": must be a list, not a string',
    ]);
  });

  test('unknown fields are errors, as with kubectl --validate=strict', () => {
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd' }, spec: { template: { spec: { hostNetwrok: true, containers: [] } } } };
    assert.deepEqual(rendered(checkSchema('DaemonSet', ds)), [
      'spec.template.spec.hostNetwrok: Invalid value: true: unknown field "spec.template.spec.hostNetwrok"',
    ]);
  });

  test('quantities accept numbers and strings, and malformed ones get the decoder message', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: 1, memory: '1Gb' }, requests: { memory: '512Mi' } } }] } };
    assert.deepEqual(rendered(checkSchema('Pod', pod)), [
      `spec.containers[0].resources.limits[memory]: Invalid value: "1Gb": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    ]);
  });
});

describe('null decoding', () => {
  test('JSON null becomes the Go zero value, in fields, lists and maps', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: null } }, spec: { hostNetwork: null, containers: [null, { name: 'c', image: null, args: [null] }] } };
    assert.deepEqual(decodeObject('Pod', pod), {
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: '' } }, spec: { containers: [{}, { name: 'c', args: [''] }] } },
      errors: [],
    });
  });
});

describe('kind resolution', () => {
  test('workload kinds resolve to their pod template', () => {
    const cron = resolveKind('batch/v1', 'CronJob');
    assert.deepEqual(cron.type === 'pod' && cron.info.templatePath, ['spec', 'jobTemplate', 'spec', 'template']);
  });

  test('missing apiVersion and kind are named', () => {
    assert.deepEqual(resolveKind(undefined, ''), {
      type: 'error', message: 'apiVersion not set, kind not set',
      hint: 'every object needs apiVersion and kind, for example "apiVersion: v1" and "kind: Pod"',
    });
  });

  test('an unknown kind in a built-in group gets the REST mapping message and a hint', () => {
    assert.deepEqual(resolveKind('apps/v1', 'Daemonset'), {
      type: 'error', message: 'no matches for kind "Daemonset" in version "apps/v1"', hint: 'kinds are case-sensitive: did you mean "DaemonSet"?',
    });
    assert.deepEqual(resolveKind('extensions/v1beta1', 'DaemonSet'), {
      type: 'error', message: 'no matches for kind "DaemonSet" in version "extensions/v1beta1"', hint: 'DaemonSet is served as apiVersion apps/v1',
    });
  });

  test('other built-in kinds and custom resources are recognised', () => {
    assert.equal(resolveKind('v1', 'ConfigMap').type, 'other');
    assert.equal(resolveKind('cert-manager.io/v1', 'Certificate').type, 'custom');
  });
});
