/**
 * Custom resources in process: a CRD becomes served (discovery, aggregated discovery, OpenAPI,
 * the object API) once established and stops being served when deleted, with its custom
 * resources; an in-cluster client with a service account's token lists them; the garbage
 * collector and namespace deletion reach them; a restart serves the stored CRDs before the
 * first request; and the structural schema server-side apply needs is there for each served version.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ControlPlane } from '../../src/controlplane/control-plane.js';
import { customResourceSchema } from '../../src/controlplane/customresources/index.js';
import { resourceRegistry } from '../../src/controlplane/resources/index.js';
import { KubeClient } from '../../src/node/kube-client/client.js';
import { api, eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
});
after(async () => {
  await s.stop();
});

type Obj = Record<string, unknown>;

function crd(group: string, plural: string, kind: string, scope = 'Namespaced'): Obj {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.${group}` },
    spec: {
      group, scope, names: { plural, kind, shortNames: [`${plural.slice(0, 2)}x`], categories: ['hostpod'] },
      versions: [{
        name: 'v1', served: true, storage: true, subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  size: { type: 'integer', default: 3 },
                  ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
                },
              },
            },
          },
        },
      }],
    },
  };
}

async function established(plane: ControlPlane, name: string): Promise<void> {
  await eventually(async () => {
    const got = await api(plane, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    const conditions = ((got.json()['status'] as Obj | undefined)?.['conditions'] ?? []) as Obj[];
    return conditions.some((c) => c['type'] === 'Established' && c['status'] === 'True') ? true : undefined;
  }, 10_000, `${name} established`);
}

describe('custom resources', () => {
  test('a CRD, once established, is served: discovery, aggregated discovery, OpenAPI and its objects', async () => {
    assert.equal((await api(s.plane, 'GET', '/apis/stable.example.com/v1')).status, 404);
    assert.equal((await api(s.plane, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd('stable.example.com', 'widgets', 'Widget') })).status, 201);
    await established(s.plane, 'widgets.stable.example.com');
    const list = (await api(s.plane, 'GET', '/apis/stable.example.com/v1')).json();
    assert.deepEqual((list['resources'] as Obj[]).map((r) => r['name']), ['widgets', 'widgets/status']);
    const groups = (await api(s.plane, 'GET', '/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).json();
    const group = (groups['items'] as Obj[]).find((g) => (g['metadata'] as Obj)['name'] === 'stable.example.com');
    assert.ok(group, 'aggregated discovery lists the group');
    const openapi = (await api(s.plane, 'GET', '/openapi/v3')).json();
    assert.ok(Object.keys(openapi['paths'] as Obj).includes('apis/stable.example.com/v1'));

    const created = await api(s.plane, 'POST', '/apis/stable.example.com/v1/namespaces/default/widgets', { body: { apiVersion: 'stable.example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} } });
    assert.equal(created.status, 201);
    assert.deepEqual(created.json()['spec'], { size: 3 });
  });

  test('an in-cluster client with a service account token lists custom resources of its namespace once a Role lets it', async () => {
    const issued = await api(s.plane, 'POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } });
    const token = String((issued.json()['status'] as Obj)['token']);
    const client = new KubeClient({ server: s.plane.url, ca: s.plane.pki.ca.cert, insecureSkipTlsVerify: false, token: () => token });
    // RBAC: a service account may do nothing until a role is bound to it, custom resources included.
    await assert.rejects(client.request('GET', '/apis/stable.example.com/v1/namespaces/default/widgets'), /cannot list resource "widgets" in API group "stable.example.com" in the namespace "default"/);
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'widget-reader' }, rules: [{ apiGroups: ['stable.example.com'], resources: ['widgets'], verbs: ['get', 'list', 'watch'] }] };
    assert.equal((await api(s.plane, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', { body: role })).status, 201);
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'widget-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'widget-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
    };
    assert.equal((await api(s.plane, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', { body: binding })).status, 201);
    const listed = await client.request<{ kind: string; items: Obj[] }>('GET', '/apis/stable.example.com/v1/namespaces/default/widgets');
    assert.equal(listed.kind, 'WidgetList');
    assert.deepEqual(listed.items.map((i) => (i['metadata'] as Obj)['name']), ['w']);
  });

  test('customResourceSchema gives a served version its structural schema, list types included (for server-side apply)', () => {
    const info = resourceRegistry.find('stable.example.com', 'v1', 'widgets');
    assert.ok(info);
    const schema = customResourceSchema(info);
    const ports = schema?.properties?.['spec']?.properties?.['ports'];
    assert.equal(ports?.['x-kubernetes-list-type'], 'map');
    assert.deepEqual(ports?.['x-kubernetes-list-map-keys'], ['name']);
    assert.equal(customResourceSchema(resourceRegistry.find('', 'v1', 'pods')!), undefined);
  });

  test('the garbage collector deletes what a custom resource owns', async () => {
    const owner = (await api(s.plane, 'GET', '/apis/stable.example.com/v1/namespaces/default/widgets/w')).json();
    const uid = String((owner['metadata'] as Obj)['uid']);
    const owned = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned-by-widget', ownerReferences: [{ apiVersion: 'stable.example.com/v1', kind: 'Widget', name: 'w', uid }] } };
    assert.equal((await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: owned })).status, 201);
    assert.equal((await api(s.plane, 'DELETE', '/apis/stable.example.com/v1/namespaces/default/widgets/w')).status, 200);
    await eventually(async () => ((await api(s.plane, 'GET', '/api/v1/namespaces/default/configmaps/owned-by-widget')).status === 404 ? true : undefined), 10_000, 'the dependent collected');
  });

  test("a namespace's deletion deletes its custom resources", async () => {
    await api(s.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } } });
    assert.equal((await api(s.plane, 'POST', '/apis/stable.example.com/v1/namespaces/doomed/widgets', { body: { apiVersion: 'stable.example.com/v1', kind: 'Widget', metadata: { name: 'x' } } })).status, 201);
    await api(s.plane, 'DELETE', '/api/v1/namespaces/doomed');
    await eventually(async () => ((await api(s.plane, 'GET', '/api/v1/namespaces/doomed')).status === 404 ? true : undefined), 10_000, 'the namespace gone');
  });

  test('deleting a CRD deletes its custom resources (Terminating, the cleanup finalizer), then stops serving them', async () => {
    assert.equal((await api(s.plane, 'POST', '/apis/stable.example.com/v1/namespaces/default/widgets', { body: { apiVersion: 'stable.example.com/v1', kind: 'Widget', metadata: { name: 'last' } } })).status, 201);
    const deleted = (await api(s.plane, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.stable.example.com')).json();
    assert.deepEqual((deleted['metadata'] as Obj)['finalizers'], ['customresourcecleanup.apiextensions.k8s.io']);
    const terminating = ((deleted['status'] as Obj)['conditions'] as Obj[]).find((c) => c['type'] === 'Terminating');
    assert.equal(terminating?.['reason'], 'InstanceDeletionInProgress');
    await eventually(async () => ((await api(s.plane, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.stable.example.com')).status === 404 ? true : undefined), 10_000, 'the CRD gone');
    const gone = await api(s.plane, 'GET', '/apis/stable.example.com/v1/namespaces/default/widgets');
    assert.equal(gone.status, 404);
    assert.equal(gone.body, '404 page not found\n');
    assert.equal(resourceRegistry.find('stable.example.com', 'v1', 'widgets'), undefined);
  });

  test('a restart serves the stored CRDs before the first request, with their objects', async () => {
    assert.equal((await api(s.plane, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd('restart.example.com', 'gadgets', 'Gadget', 'Cluster') })).status, 201);
    await established(s.plane, 'gadgets.restart.example.com');
    assert.equal((await api(s.plane, 'POST', '/apis/restart.example.com/v1/gadgets', { body: { apiVersion: 'restart.example.com/v1', kind: 'Gadget', metadata: { name: 'kept' } } })).status, 201);
    await s.plane.stop();
    assert.equal(resourceRegistry.find('restart.example.com', 'v1', 'gadgets'), undefined, 'a stopped control plane serves nothing');
    const again = await ControlPlane.start({ dataDir: s.dir, host: '127.0.0.1', port: 0 });
    try {
      const got = await api(again, 'GET', '/apis/restart.example.com/v1/gadgets/kept');
      assert.equal(got.status, 200);
      assert.equal(got.json()['spec'], undefined, 'no spec, none defaulted (only fields of an object there are)');
    } finally {
      await again.stop();
    }
  });
});
