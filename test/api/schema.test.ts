import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveKind } from '../../src/api/kinds.js';
import { parseJson } from '../../src/api/json/index.js';
import { decodeFailure, decodeObject } from '../../src/api/schema.js';

const checkSchema = (kind: string, object: Record<string, unknown>): string[] =>
  decodeObject(String(object['apiVersion']), kind, object).errors.map((e) => `${e.field}: ${e.message}`);

describe('object decoding', () => {
  test('fields of the wrong JSON type are reported at their path', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { version: 1 } }, spec: { hostNetwork: 'yes please', containers: 'app' } };
    assert.deepEqual((checkSchema('Pod', pod)), [
      'metadata.labels[version]: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
      'spec.hostNetwork: json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool',
      'spec.containers: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container',
    ]);
  });

  test('unknown fields are errors, as with kubectl --validate=strict', () => {
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd' }, spec: { template: { spec: { hostNetwrok: true, containers: [] } } } };
    assert.deepEqual((checkSchema('DaemonSet', ds)), [
      'spec.template.spec.hostNetwrok: unknown field "spec.template.spec.hostNetwrok"',
    ]);
  });

  test('quantities accept numbers and strings, and malformed ones get the decoder message', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: 1, memory: '1Gb' }, requests: { memory: '512Mi' } } }] } };
    assert.deepEqual((checkSchema('Pod', pod)), [
      `spec.containers[0].resources.limits[memory]: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    ]);
  });
});

describe('decode failures', () => {
  test('name the first type error, or all unknown fields together, as the API server does', () => {
    const unknownOnly = decodeObject('v1', 'Pod', { apiVersion: 'v1', kind: 'Pod', spec: { foo: 1, containers: [{ name: 'c', imagePullPolice: 'x' }] } });
    assert.equal(decodeFailure(unknownOnly.errors), 'strict decoding error: unknown field "spec.foo", unknown field "spec.containers[0].imagePullPolice"');
    const mixed = decodeObject('v1', 'Pod', { apiVersion: 'v1', kind: 'Pod', spec: { foo: 1, containers: [{ name: 'c', ports: [{ containerPort: 1.5 }] }] } });
    assert.equal(decodeFailure(mixed.errors), 'json: cannot unmarshal number 1.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32');
  });
});

describe('null decoding', () => {
  test('JSON null becomes the Go zero value, in fields, lists and maps', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: null } }, spec: { hostNetwork: null, containers: [null, { name: 'c', image: null, args: [null] }] } };
    assert.deepEqual(decodeObject('v1', 'Pod', pod), {
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: '' } }, spec: { containers: [{}, { name: 'c', args: [''] }] } },
      errors: [],
    });
  });
});

describe('decoding keeps odd keys as keys', () => {
  test('a __proto__ key stays an own key and is checked like any other', () => {
    const pod = JSON.parse('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"__proto__":"x"}},"spec":{"nodeSelector":{"__proto__":"y"},"containers":[]}}') as Record<string, unknown>;
    const { object } = decodeObject('v1', 'Pod', pod);
    assert.deepEqual(Object.keys((object['metadata'] as { labels: object }).labels), ['__proto__']);
    assert.deepEqual(Object.keys((object['spec'] as { nodeSelector: object }).nodeSelector), ['__proto__']);
  });
});

describe('kind resolution', () => {
  test('workload kinds resolve to their pod template', () => {
    const cron = resolveKind('batch/v1', 'CronJob');
    assert.deepEqual(cron.type === 'pod' && cron.info.templatePath, ['spec', 'jobTemplate', 'spec', 'template']);
  });

  test('missing apiVersion and kind are named', () => {
    assert.deepEqual(resolveKind(undefined, ''), {
      type: 'error', field: 'apiVersion', reason: 'missing', message: 'apiVersion not set, kind not set',
      hint: 'every object needs apiVersion and kind, for example "apiVersion: v1" and "kind: Pod"',
    });
  });

  test('an unknown kind in a built-in group gets the REST mapping message and a hint', () => {
    assert.deepEqual(resolveKind('apps/v1', 'Daemonset'), {
      type: 'error', field: 'kind', reason: 'no match', message: 'no matches for kind "Daemonset" in version "apps/v1"', hint: 'kinds are case-sensitive: did you mean "DaemonSet"?',
    });
    assert.deepEqual(resolveKind('extensions/v1beta1', 'DaemonSet'), {
      type: 'error', field: 'kind', reason: 'no match', message: 'no matches for kind "DaemonSet" in version "extensions/v1beta1"', hint: 'DaemonSet is served as apiVersion apps/v1',
    });
  });

  test('other built-in kinds and custom resources are recognised', () => {
    assert.deepEqual(resolveKind('v1', 'ConfigMap'), { type: 'other', namespaced: true });
    assert.deepEqual(resolveKind('rbac.authorization.k8s.io/v1', 'ClusterRole'), { type: 'other', namespaced: false });
    assert.equal(resolveKind('cert-manager.io/v1', 'Certificate').type, 'custom');
  });

  test('a group without a dot that Kubernetes does not serve is a typo, not a custom resource', () => {
    assert.deepEqual(resolveKind('app/v1', 'DaemonSet'), {
      type: 'error', field: 'kind', reason: 'no match', message: 'no matches for kind "DaemonSet" in version "app/v1"', hint: 'DaemonSet is served as apiVersion apps/v1',
    });
  });
});

describe('number decoding', () => {
  const decodePod = (text: string) => decodeObject('v1', 'Pod', parseJson(text) as Record<string, unknown>);

  test('int64 and int32 fields take integer literals in range, and keep int64 values beyond 2^53 exact', () => {
    const { object, errors } = decodePod('{"apiVersion":"v1","kind":"Pod","spec":{"terminationGracePeriodSeconds":9223372036854775807,"priority":-2147483648,"containers":[]}}');
    assert.deepEqual(errors, []);
    assert.equal((object['spec'] as Record<string, unknown>)['terminationGracePeriodSeconds'], 9223372036854775807n);
    assert.equal((object['spec'] as Record<string, unknown>)['priority'], -2147483648);
  });

  test('quantities given as numbers beyond what a JavaScript number holds keep their text', () => {
    const { object, errors } = decodePod('{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":1e3,"memory":123456789012345678901}}}]}}');
    assert.deepEqual(errors, []);
    const limits = ((object['spec'] as { containers: { resources: { limits: Record<string, unknown> } }[] }).containers[0]!).resources.limits;
    assert.deepEqual(limits, { cpu: '1e3', memory: '123456789012345678901' });
  });

  test('free-form fields hold integers as int64 where they fit and other numbers as float64', () => {
    const { object, errors } = decodePod('{"apiVersion":"v1","kind":"Pod","metadata":{"managedFields":[{"fieldsV1":{"a":[1.0,1e3,9223372036854775807,99999999999999999999]}}]}}');
    assert.deepEqual(errors, []);
    const fields = (object['metadata'] as { managedFields: { fieldsV1: { a: unknown[] } }[] }).managedFields[0]!.fieldsV1;
    assert.deepEqual(fields.a, [1, 1000, 9223372036854775807n, 1e20]);
  });
});

describe('the unstructured converter\'s words', () => {
  // What kube-apiserver 1.36 answers to a strategic merge patch of a ConfigMap with these fields.
  const rows: [string, Record<string, unknown>, string][] = [
    ['an integer in a string', { data: { b: 1 } }, 'cannot convert int64 to string'],
    ['a fraction in a string', { data: { b: 1.5 } }, 'unrecognized type: string'],
    ['a string in an int64', { metadata: { generation: 'x' } }, 'unrecognized type: int64'],
    ['a fraction in an int64', { metadata: { generation: 1.5 } }, 'cannot convert float64 to int64'],
    ['a string in a bool', { immutable: 'x' }, 'unrecognized type: bool'],
  ];
  for (const [name, fields, words] of rows) {
    test(`${name}: ${words}`, () => {
      const decoded = decodeObject('v1', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', ...fields });
      assert.deepEqual(decoded.errors.map((e) => e.converter), [words]);
    });
  }
});
