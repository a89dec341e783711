/**
 * CustomResourceDefinitions validated as ValidateCustomResourceDefinition: each answer as
 * kube-apiserver 1.36 words it for the same CRD (recorded from the real control plane).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateCustomResourceDefinition } from '../../src/controlplane/customresources/index.js';
import { formatFieldError } from '../../src/policy/field.js';

const DNS1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/** A CRD things.example.org (names defaulted as the API server defaults them), with `spec` over a valid one's. */
function crd(spec: Record<string, unknown>, name = 'things.example.org'): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name },
    spec: {
      group: 'example.org', scope: 'Namespaced', names: { plural: 'things', singular: 'thing', kind: 'Thing', listKind: 'ThingList' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
      conversion: { strategy: 'None' },
      ...spec,
    },
    status: { storedVersions: ['v1'] },
  };
}

const version = (schema: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ name: 'v1', served: true, storage: true, ...(schema ? { schema: { openAPIV3Schema: schema } } : {}), ...extra });

describe('CustomResourceDefinition validation', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['a valid CRD has no errors', crd({}), []],
    ['the name is PLURAL.GROUP', crd({}, 'things.example.com'), ['metadata.name: Invalid value: "things.example.com": must be spec.names.plural+"."+spec.group']],
    ['a schema is required', crd({ versions: [version(undefined)] }), ['spec.versions[0].schema.openAPIV3Schema: Required value']],
    ['an object at the root', crd({ versions: [version({ type: 'string' })] }), ['spec.validation.openAPIV3Schema.type: Invalid value: "string": must be object at the root']],
    ['a type at the root', crd({ versions: [version({ properties: { a: { type: 'string' } } })] }), ['spec.validation.openAPIV3Schema.type: Required value: must not be empty at the root']],
    ['a type for every field', crd({ versions: [version({ type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } })] }),
      ['spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields']],
    ['items for every array', crd({ versions: [version({ type: 'object', properties: { list: { type: 'array' } } })] }),
      ['spec.validation.openAPIV3Schema.properties[list].items: Required value: must be specified']],
    ['metadata: name and generateName only', crd({ versions: [version({ type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } })] }),
      ['spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified']],
    ['a default its schema accepts', crd({ versions: [version({ type: 'object', properties: { d: { type: 'integer', default: 'x' } } })] }),
      ['spec.validation.openAPIV3Schema.properties[d].default: Invalid value: "string":  in body must be of type integer: "string"']],
    ['scope and names', crd({ scope: 'Global', names: { plural: 'things', kind: 'Thing', singular: 'Thing', shortNames: ['T_1'], listKind: 'Thing' } }), [
      'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
      `spec.names.singular: Invalid value: "Thing": ${DNS1035}`,
      `spec.names.shortNames[0]: Invalid value: "T_1": ${DNS1035}`,
      'spec.names.listKind: Invalid value: "Thing": kind and listKind may not be the same',
    ]],
    ['a group with a dot', crd({ group: 'example' }, 'things.example'), ['spec.group: Invalid value: "example": should be a domain with at least one dot']],
    ['webhook conversion needs its client', crd({ conversion: { strategy: 'Webhook' } }), [
      'spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook',
      'spec.conversion.conversionReviewVersions: Required value',
    ]],
    ['a version name is a DNS-1035 label', crd({ versions: [version({ type: 'object' }, { name: 'V1' })] }), [
      `spec.versions[0].name: Invalid value: "V1": ${DNS1035}`,
      `spec.version: Invalid value: "V1": ${DNS1035}`,
      'status.storedVersions[0]: Invalid value: "v1": must appear in spec.versions',
    ]],
  ];
  for (const [name, object, expected] of cases) {
    test(name, () => assert.deepEqual(validateCustomResourceDefinition(object).map(formatFieldError), expected));
  }

  test('two versions with one storage version and distinct schemas are named by index', () => {
    const object = crd({ versions: [version({ type: 'object' }), version({ type: 'object', properties: { a: {} } }, { name: 'v2', storage: false })] });
    assert.deepEqual(validateCustomResourceDefinition(object).map(formatFieldError), [
      'spec.versions[1].schema.openAPIV3Schema.properties[a].type: Required value: must not be empty for specified object fields',
    ]);
  });

  test('the scope cannot change', () => {
    assert.deepEqual(validateCustomResourceDefinition(crd({ scope: 'Cluster' }), crd({})).map(formatFieldError), ['spec.scope: Invalid value: "Cluster": field is immutable']);
  });
});

describe('CustomResourceDefinition validation of subresources and printer columns', () => {
  test('scale paths and printer columns, named at the top level when every version has the same', () => {
    const object = crd({
      versions: [version({ type: 'object' }, {
        subresources: { scale: { specReplicasPath: 'spec.r', statusReplicasPath: '.spec.r', labelSelectorPath: '.metadata.x' } },
        additionalPrinterColumns: [{ name: '', type: 'str', jsonPath: '' }, { name: 'B', type: 'integer', format: 'weird', jsonPath: '.spec.b' }],
      })],
    });
    assert.deepEqual(validateCustomResourceDefinition(object).map(formatFieldError), [
      'spec.subresources.scale.specReplicasPath: Invalid value: "spec.r": must be a simple json path starting with .',
      'spec.subresources.scale.statusReplicasPath: Invalid value: ".spec.r": should be a json path under .status',
      'spec.subresources.scale.labelSelectorPath: Invalid value: ".metadata.x": should be a json path under either .spec or .status',
      'spec.additionalPrinterColumns[0].name: Required value',
      'spec.additionalPrinterColumns[0].type: Invalid value: "str": must be one of boolean,date,integer,number,string',
      'spec.additionalPrinterColumns[0].JSONPath: Required value',
      'spec.additionalPrinterColumns[1].format: Invalid value: "weird": must be one of byte,date,date-time,double,float,int32,int64,password',
    ]);
  });
});
