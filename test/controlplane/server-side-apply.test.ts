/**
 * Server-side apply over HTTP in process, against kube-apiserver 1.36's recorded answers: the
 * PatchOptions it refuses, the configurations it refuses and with which status, an apply that
 * creates (201), a dry run, and managedFields set and reset through ordinary patches.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
});
after(async () => {
  await s.stop();
});

const PATH = '/api/v1/namespaces/default/configmaps/raw';
const apply = (body: string, query = '?fieldManager=m', path = PATH) => api(s.plane, 'PATCH', `${path}${query}`, { contentType: 'application/apply-patch+yaml', body });
const CONFIG = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: raw\ndata:\n  a: "1"\n';

describe('server-side apply over HTTP', () => {
  test('refuses as kube-apiserver does, each with its status and words', async () => {
    const cases: [string, string, string, number, string][] = [
      ['no fieldManager', CONFIG, '', 422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'],
      ['no apiVersion', 'kind: ConfigMap\nmetadata:\n  name: raw\n', '?fieldManager=m', 400, 'invalid object type: /, Kind=ConfigMap'],
      ['no kind', 'apiVersion: v1\nmetadata:\n  name: raw\n', '?fieldManager=m', 400, 'invalid object type: /v1, Kind='],
      ['another group', 'apiVersion: apps/v1\nkind: ConfigMap\nmetadata:\n  name: raw\n', '?fieldManager=m', 400, 'invalid object type: apps/v1, Kind=ConfigMap'],
      ['another kind', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: raw\n', '?fieldManager=m', 400, 'invalid object type: /v1, Kind=Secret'],
      ['another name', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n', '?fieldManager=m', 400, 'the name of the object (other) does not match the name on the URL (raw)'],
      ['a number for a string', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: raw\ndata:\n  a: 1\n', '?fieldManager=m', 500, 'failed to create typed patch object (/raw; /v1, Kind=ConfigMap): .data.a: expected string, got &value.valueUnstructured{Value:1}'],
      ['an undeclared field', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: raw\ncolour: red\n', '?fieldManager=m&fieldValidation=Strict', 500, 'failed to create typed patch object (/raw; /v1, Kind=ConfigMap): .colour: field not declared in schema'],
      ['managedFields', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"raw","managedFields":[{"manager":"x","operation":"Apply","fieldsType":"FieldsV1","fieldsV1":{}}]}}', '?fieldManager=m', 400, 'metadata.managedFields must be nil'],
    ];
    for (const [what, body, query, code, message] of cases) {
      const answer = await apply(body, query);
      assert.equal(answer.status, code, `${what}: ${answer.body}`);
      assert.equal(answer.json()['message'], message, what);
    }
    const forced = await api(s.plane, 'PATCH', `${PATH}?force=true`, { contentType: 'application/merge-patch+json', body: {} });
    assert.equal(forced.status, 422);
    assert.equal(forced.json()['message'], 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
    const nowhere = await apply(CONFIG, '?fieldManager=m', '/api/v1/namespaces/missing/configmaps/raw');
    assert.equal(nowhere.status, 404);
    assert.equal(nowhere.json()['message'], 'namespaces "missing" not found');
  });

  test('a dry run creates nothing; an apply creates (201) and records its Apply entry', async () => {
    const dry = await apply(CONFIG, '?fieldManager=m&dryRun=All');
    assert.equal(dry.status, 201);
    assert.equal((await api(s.plane, 'GET', PATH)).status, 404);
    const created = await apply(CONFIG);
    assert.equal(created.status, 201);
    const entries = (created.json()['metadata'] as { managedFields: Record<string, unknown>[] }).managedFields;
    assert.deepEqual(entries.map((e) => Object.keys(e)), [['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']]);
    assert.deepEqual(entries[0]!['fieldsV1'], { 'f:data': { 'f:a': {} } });
    const again = await apply(CONFIG);
    assert.equal(again.status, 200);
  });

  test('a patch may reset managedFields, and updates then record none until an apply', async () => {
    await apply('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: reset\ndata:\n  a: "1"\n', '?fieldManager=m', '/api/v1/namespaces/default/configmaps/reset');
    const path = '/api/v1/namespaces/default/configmaps/reset';
    const reset = await api(s.plane, 'PATCH', path, { contentType: 'application/merge-patch+json', body: { metadata: { managedFields: [] } } });
    assert.equal((reset.json()['metadata'] as Record<string, unknown>)['managedFields'], undefined);
    const updated = await api(s.plane, 'PATCH', path, { contentType: 'application/merge-patch+json', body: { data: { q: '1' } }, headers: { 'User-Agent': 'curl/8' } });
    assert.equal((updated.json()['metadata'] as Record<string, unknown>)['managedFields'], undefined);
    const applied = await apply('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: reset\n', '?fieldManager=m&force=true', path);
    const entries = (applied.json()['metadata'] as { managedFields: Record<string, unknown>[] }).managedFields;
    assert.deepEqual(entries.map((e) => [e['manager'], e['operation'], e['fieldsV1']]), [['before-first-apply', 'Update', { 'f:data': { '.': {}, 'f:a': {}, 'f:q': {} } }]]);
  });

  test('an update is recorded for the User-Agent\'s manager when no fieldManager is sent', async () => {
    const path = '/api/v1/namespaces/default/configmaps/agent';
    const created = await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'agent' }, data: { a: '1' } }, headers: { 'User-Agent': 'kubectl.1.33/v1.33.0 (linux/amd64) kubernetes/abc' } });
    assert.equal(created.status, 201);
    const entries = ((await api(s.plane, 'GET', path)).json()['metadata'] as { managedFields: Record<string, unknown>[] }).managedFields;
    assert.equal(entries[0]!['manager'], 'kubectl.1.33');
  });
});

describe('server-side apply through the status subresource', () => {
  test('records a status entry owning only the status (the spec is not its to change)', async () => {
    const created = await api(s.plane, 'POST', '/api/v1/nodes?fieldManager=kubectl-create', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'applied' } } });
    assert.equal(created.status, 201, created.body);
    const config = 'apiVersion: v1\nkind: Node\nmetadata:\n  name: applied\nspec:\n  podCIDR: 10.0.0.0/24\nstatus:\n  capacity:\n    pods: "10"\n';
    const applied = await apply(config, '?fieldManager=st', '/api/v1/nodes/applied/status');
    assert.equal(applied.status, 200, applied.body);
    const body = applied.json() as { spec?: Record<string, unknown>; metadata: { managedFields: Record<string, unknown>[] } };
    assert.equal(body.spec?.['podCIDR'], undefined);
    const entry = body.metadata.managedFields.find((e) => e['manager'] === 'st');
    assert.deepEqual(entry && { ...entry, time: undefined }, {
      manager: 'st', operation: 'Apply', apiVersion: 'v1', time: undefined, fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:capacity': { 'f:pods': {} } } }, subresource: 'status',
    });
  });
});
