/**
 * A custom resource checked against its version's structural schema: validation, pruning and
 * defaulting, each answer as kube-apiserver 1.36 gave it for the same schema and object
 * (recorded from the real control plane; test/e2e/parity-crd.test.ts compares the two live).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applySchemaDefaults, pruneUnknownFields, validateAgainstSchema, type StructuralSchema } from '../../src/controlplane/customresources/index.js';
import { formatFieldError } from '../../src/policy/field.js';

const SCHEMA: StructuralSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object', required: ['cronSpec'],
      properties: {
        cronSpec: { type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' },
        image: { type: 'string', default: 'busybox' },
        replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
        mode: { type: 'string', enum: ['fast', 'slow'] },
        tags: { type: 'array', maxItems: 3, items: { type: 'string', maxLength: 5 } },
        config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        s: { type: 'string', pattern: '^a+$', minLength: 2 },
        n: { type: 'number', minimum: 1, exclusiveMinimum: true, maximum: 5, exclusiveMaximum: true, multipleOf: 0.5 },
        i: { type: 'integer' },
        b: { type: 'boolean' },
        u: { type: 'array', minItems: 2, items: { type: 'integer' }, 'x-kubernetes-list-type': 'set' },
        f: { type: 'string', format: 'date-time' },
        e: { type: 'string', format: 'email' },
        nullable: { type: 'string', nullable: true },
        plain: { type: 'string' },
        size: { 'x-kubernetes-int-or-string': true },
        m: { type: 'object', additionalProperties: { type: 'integer' }, maxProperties: 1 },
        emb: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        ports: {
          type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } },
        },
      },
    },
    status: { type: 'object', properties: { replicas: { type: 'integer' } } },
  },
};

/** The errors of a CronTab with `spec` (over a valid cronSpec), as kubectl prints them. */
const messages = (spec: Record<string, unknown>): string[] =>
  validateAgainstSchema({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'x' }, spec: { cronSpec: '* * * * *', ...spec } }, SCHEMA).map(formatFieldError);

describe('custom resource validation against its structural schema', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['a valid object has no errors', { replicas: 3, tags: ['a'], config: { any: { deep: 1 } } }, []],
    ['a required field', { cronSpec: undefined }, ['spec.cronSpec: Required value']],
    ['enum', { mode: 'medium' }, ['spec.mode: Unsupported value: "medium": supported values: "fast", "slow"']],
    ['maximum', { replicas: 20 }, ['spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10']],
    ['minimum', { replicas: 0 }, ['spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1']],
    ['exclusive minimum', { n: 1 }, ['spec.n: Invalid value: 1: spec.n in body should be greater than 1']],
    ['exclusive maximum', { n: 6 }, ['spec.n: Invalid value: 6: spec.n in body should be less than 5']],
    ['multipleOf', { n: 4.3 }, ['spec.n: Invalid value: 4.3: spec.n in body should be a multiple of 0.5']],
    ['a string for a string', { image: 5 }, ['spec.image: Invalid value: "integer": spec.image in body must be of type string: "integer"']],
    ['an integer, not a number', { i: 1.5 }, ['spec.i: Invalid value: "number": spec.i in body must be of type integer: "number"']],
    ['a boolean', { b: 'x' }, ['spec.b: Invalid value: "string": spec.b in body must be of type boolean: "string"']],
    ['int-or-string', { size: true }, ['spec.size: Invalid value: "boolean": spec.size in body must be of type integer,string: "boolean"']],
    ['pattern', { cronSpec: 'often' }, [`spec.cronSpec: Invalid value: "often": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'`]],
    ['minLength, then no pattern', { s: 'b' }, ['spec.s: Invalid value: "b": spec.s in body should be at least 2 chars long']],
    ['maxItems', { tags: ['a', 'b', 'c', 'd'] }, ['spec.tags: Too many: 4: must have at most 3 items']],
    ['maxLength of an item', { tags: ['abcdefg'] }, ['spec.tags[0]: Too long: may not be more than 5 bytes']],
    ['minItems', { u: [1] }, ['spec.u: Invalid value: 1: spec.u in body should have at least 2 items']],
    ['a set with a duplicate', { u: [1, 2, 2] }, ['spec.u[2]: Duplicate value: 2']],
    ['a map list with a duplicate key', { ports: [{ name: 'a', port: 1 }, { name: 'a', port: 2 }] }, ['spec.ports[1]: Duplicate value: {"name":"a"}']],
    ['a map list item without its key', { ports: [{ port: 1 }] }, ['spec.ports[0].name: Required value']],
    ['date-time', { f: 'notadate' }, ['spec.f: Invalid value: "notadate": spec.f in body must be of type date-time: "notadate"']],
    ['a valid date-time', { f: '2026-12-05T10:40:18Z' }, []],
    ['email', { e: 'bad' }, ['spec.e: Invalid value: "bad": spec.e in body must be of type email: "bad"']],
    ['maxProperties and additionalProperties', { m: { a: 1, b: 'x' } }, [
      'spec.m: Too many: 2: must have at most 1 item',
      'spec.m.b: Invalid value: "string": spec.m.b in body must be of type integer: "string"',
    ]],
    ['an embedded resource names its kind', { emb: { foo: 1 } }, ['spec.emb.apiVersion: Required value', 'spec.emb.kind: Required value']],
    ['nullable', { nullable: null }, []],
  ];
  for (const [name, spec, expected] of cases) {
    test(name, () => assert.deepEqual(messages(spec), expected));
  }
});

describe('custom resource pruning', () => {
  test('fields the schema does not declare are dropped and named, sorted', () => {
    const object = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'x', labels: { a: 'b' } }, other: 2, spec: { cronSpec: '* * * * *', extra: 1, config: { any: 'thing' } }, status: { foo: 1 } };
    assert.deepEqual(pruneUnknownFields(object, SCHEMA), ['other', 'spec.extra', 'status.foo']);
    assert.deepEqual(object, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'x', labels: { a: 'b' } }, spec: { cronSpec: '* * * * *', config: { any: 'thing' } }, status: {} });
  });

  test('items of a list and an embedded resource are pruned by their own schema', () => {
    const object = { spec: { ports: [{ name: 'a', colour: 'red' }], emb: { apiVersion: 'v1', kind: 'X', metadata: { name: 'y' }, anything: true } } };
    assert.deepEqual(pruneUnknownFields(object, SCHEMA), ['spec.ports[0].colour']);
    assert.deepEqual(object.spec.ports, [{ name: 'a' }]);
  });
});

describe('custom resource defaulting', () => {
  test('absent fields take their defaults; a null one without nullable is dropped', () => {
    const object: Record<string, unknown> = { spec: { cronSpec: '* * * * *', plain: null, nullable: null } };
    applySchemaDefaults(object, SCHEMA);
    assert.deepEqual(object, { spec: { cronSpec: '* * * * *', image: 'busybox', replicas: 1, nullable: null } });
  });

  test('a null field with a default takes the default; a given value is kept', () => {
    const object: Record<string, unknown> = { spec: { cronSpec: '* * * * *', image: null, replicas: 4 } };
    applySchemaDefaults(object, SCHEMA);
    assert.deepEqual(object, { spec: { cronSpec: '* * * * *', image: 'busybox', replicas: 4 } });
  });
});
