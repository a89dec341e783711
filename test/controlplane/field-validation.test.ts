/**
 * Field validation on every write, in process: the answers kube-apiserver 1.36 gave to the same
 * requests (recorded from test/e2e/strict-fields.test.ts, which compares the two servers live),
 * so that they hold where the real control plane is not built.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { answer, hostpodServer, send, type Answer, type Sent } from '../support/two-servers.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
});
after(async () => {
  await s.stop();
});

const NS = '/api/v1/namespaces/default';
const configMap = (name: string): string => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"},"data":{"a":"1"}}`;
const pod = (name: string): string => `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`;
const invalidPatch = (shown: string, detail: string): Partial<Answer> => {
  const error = `Invalid value: ${JSON.stringify(shown)}: ${detail}`;
  return { status: 422, reason: 'Invalid', message: ` "" is invalid: patch: ${error}`, details: { causes: [{ reason: 'FieldValueInvalid', message: error, field: 'patch' }] }, warnings: [] };
};

interface Row {
  name: string;
  setup?: Sent[];
  request: Sent;
  expected: Partial<Answer>;
}

const ROWS: Row[] = [
  {
    name: 'a merge patch opens the objects it merges as Go maps: the unknown fields come sorted',
    setup: [{ method: 'POST', path: `${NS}/configmaps`, body: configMap('merge') }],
    request: { method: 'PATCH', path: `${NS}/configmaps/merge?fieldValidation=Warn`, body: '{"metadata":{"colour":"red"},"data":{"b":"1"},"shape":"round"}', contentType: 'application/merge-patch+json' },
    expected: { status: 200, warnings: ['unknown field "metadata.colour"', 'unknown field "shape"'] },
  },
  {
    name: 'a JSON patch keeps the duplicate keys of the values it adds, which the decoding then finds',
    setup: [{ method: 'POST', path: `${NS}/serviceaccounts`, body: '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"json"},"secrets":[{"name":"s"}]}' }],
    request: {
      method: 'PATCH', path: `${NS}/serviceaccounts/json`, contentType: 'application/json-patch+json',
      body: '[{"op":"add","path":"/secrets/0/colour","value":"red"},{"op":"add","path":"/imagePullSecrets","value":[{"name":"p","name":"q","shape":1}]}]',
    },
    expected: {
      status: 200,
      warnings: ['json patch duplicate field "[1].value[0].name"', 'duplicate field "imagePullSecrets[0].name"', 'unknown field "imagePullSecrets[0].shape"', 'unknown field "secrets[0].colour"'],
    },
  },
  {
    name: "kubectl apply's strategic merge patch: the unknown fields sorted, the patch shown as the merge left it",
    setup: [{ method: 'POST', path: `${NS}/pods`, body: pod('apply') }],
    request: {
      method: 'PATCH', path: `${NS}/pods/apply?fieldValidation=Strict`, contentType: 'application/strategic-merge-patch+json',
      body: '{"spec":{"$setElementOrder/containers":[{"name":"c"}],"containers":[{"name":"c","zeta":1,"alpha":2}]},"metadata":{"colour":"red"}}',
    },
    expected: invalidPatch('map[metadata:map[colour:red] spec:map[]]', 'strict decoding error: unknown field "metadata.colour", unknown field "spec.containers[0].alpha", unknown field "spec.containers[0].zeta"'),
  },
  {
    name: 'a strategic merge patch of a field of the wrong type gets the unstructured converter\'s words',
    setup: [{ method: 'POST', path: `${NS}/configmaps`, body: configMap('converter') }],
    request: { method: 'PATCH', path: `${NS}/configmaps/converter?fieldValidation=Strict`, body: '{"data":{"b":1},"shape":"round"}', contentType: 'application/strategic-merge-patch+json' },
    expected: invalidPatch('map[data:map[b:1] shape:round]', 'cannot convert int64 to string'),
  },
  {
    name: 'a Binding is decoded as any write: strict, unknown fields refused',
    setup: [{ method: 'POST', path: `${NS}/pods`, body: pod('bound') }],
    request: { method: 'POST', path: `${NS}/pods/bound/binding?fieldValidation=Strict`, body: '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"bound"},"target":{"kind":"Node","name":"n1","shape":1}}' },
    expected: { status: 400, reason: 'BadRequest', message: 'Binding in version "v1" cannot be handled as a Binding: strict decoding error: unknown field "target.shape"', warnings: [] },
  },
  {
    name: 'a TokenRequest is decoded as any write: its unknown and duplicate fields warned about',
    setup: [{ method: 'POST', path: `${NS}/serviceaccounts`, body: '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"tokens"}}' }],
    request: { method: 'POST', path: `${NS}/serviceaccounts/tokens/token`, body: '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"colour":"red","expirationSeconds":600,"expirationSeconds":700}}' },
    expected: { status: 201, warnings: ['unknown field "spec.colour"', 'duplicate field "spec.expirationSeconds"'], echoed: [] },
  },
  {
    name: 'a SubjectAccessReview sends back no unknown field',
    request: { method: 'POST', path: '/apis/authorization.k8s.io/v1/subjectaccessreviews?fieldValidation=Ignore', body: '{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"u","colour":"red","resourceAttributes":{"verb":"get","resource":"pods"}}}' },
    expected: { status: 201, warnings: [], echoed: [] },
  },
  {
    name: 'the warnings of a create that then fails go out with its Status',
    setup: [{ method: 'POST', path: `${NS}/configmaps`, body: configMap('taken') }],
    request: { method: 'POST', path: `${NS}/configmaps`, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"taken"},"colour":"red"}' },
    expected: { status: 409, reason: 'AlreadyExists', message: 'configmaps "taken" already exists', details: { name: 'taken', kind: 'configmaps' }, warnings: ['unknown field "colour"'] },
  },
  {
    name: 'fieldValidation out of range is a 422 on the options',
    request: { method: 'POST', path: `${NS}/configmaps?fieldValidation=strict`, body: configMap('options') },
    expected: {
      status: 422, reason: 'Invalid', warnings: [],
      message: 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
      details: { group: 'meta.k8s.io', kind: 'CreateOptions', causes: [{ reason: 'FieldValueNotSupported', message: 'Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"', field: 'fieldValidation' }] },
    },
  },
  {
    name: 'dryRun out of range is a 422 on the options',
    setup: [{ method: 'POST', path: `${NS}/configmaps`, body: configMap('dry') }],
    request: { method: 'PATCH', path: `${NS}/configmaps/dry?dryRun=x`, body: '{}', contentType: 'application/merge-patch+json' },
    expected: {
      status: 422, reason: 'Invalid', warnings: [],
      message: 'PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["x"]: supported values: "All"',
      details: { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason: 'FieldValueNotSupported', message: 'Unsupported value: ["x"]: supported values: "All"', field: 'dryRun' }] },
    },
  },
  {
    name: 'a Lease update without a resourceVersion is refused',
    setup: [{ method: 'POST', path: '/apis/coordination.k8s.io/v1/namespaces/default/leases', body: '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"held"}}' }],
    request: { method: 'PUT', path: '/apis/coordination.k8s.io/v1/namespaces/default/leases/held', body: '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"held"}}' },
    expected: {
      status: 422, reason: 'Invalid', warnings: [],
      message: 'leases.coordination.k8s.io "held" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update',
      details: { name: 'held', group: 'coordination.k8s.io', kind: 'leases', causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: 0: must be specified for an update', field: 'metadata.resourceVersion' }] },
    },
  },
  {
    name: 'a patch that sets a stale resourceVersion is a conflict',
    setup: [{ method: 'POST', path: `${NS}/configmaps`, body: configMap('stale') }],
    request: { method: 'PATCH', path: `${NS}/configmaps/stale`, body: '{"metadata":{"resourceVersion":"1"}}', contentType: 'application/merge-patch+json' },
    expected: {
      status: 409, reason: 'Conflict', warnings: [], details: { name: 'stale', kind: 'configmaps' },
      message: 'Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again',
    },
  },
  {
    name: 'a Lease patch that removes the resourceVersion is refused as an update without one',
    setup: [{ method: 'POST', path: '/apis/coordination.k8s.io/v1/namespaces/default/leases', body: '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"unheld"}}' }],
    request: { method: 'PATCH', path: '/apis/coordination.k8s.io/v1/namespaces/default/leases/unheld', body: '{"metadata":{"resourceVersion":null}}', contentType: 'application/merge-patch+json' },
    expected: {
      status: 422, reason: 'Invalid', warnings: [],
      message: 'leases.coordination.k8s.io "unheld" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update',
      details: { name: 'unheld', group: 'coordination.k8s.io', kind: 'leases', causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: 0: must be specified for an update', field: 'metadata.resourceVersion' }] },
    },
  },
];

describe('field validation', () => {
  for (const row of ROWS) {
    test(row.name, async () => {
      const server = hostpodServer(s.plane);
      for (const step of row.setup ?? []) {
        const r = await send(server, step);
        assert.ok(r.status < 300, `${step.method} ${step.path}: ${r.status} ${r.body}`);
      }
      assert.deepEqual(await answer(server, row.request, row.expected.echoed ? ['colour', 'shape'] : []), row.expected);
    });
  }

  test('a bindings dry run binds nothing', async () => {
    const server = hostpodServer(s.plane);
    await send(server, { method: 'POST', path: `${NS}/pods`, body: pod('dry-bound') });
    const bound = await send(server, { method: 'POST', path: `${NS}/bindings?dryRun=All`, body: '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"dry-bound"},"target":{"kind":"Node","name":"n1"}}' });
    assert.equal(bound.status, 201, bound.body);
    const read = JSON.parse((await send(server, { method: 'GET', path: `${NS}/pods/dry-bound` })).body) as { spec: { nodeName?: string } };
    assert.equal(read.spec.nodeName, undefined);
  });
});
