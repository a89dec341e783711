/**
 * The resource registry is the one place a served resource is described: discovery, OpenAPI,
 * tables, patches, field selectors and the object API all read its definitions, so a definition
 * added to a registry is served without any other change.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ObjectApi, type RequestContext } from '../../src/controlplane/api/object-api.js';
import { StatusError } from '../../src/controlplane/api/status-error.js';
import { ResourceStrategy } from '../../src/controlplane/api/strategy.js';
import { ADMIN_USER } from '../../src/controlplane/auth/user.js';
import { acceptedPatchTypes } from '../../src/controlplane/patch/index.js';
import {
  ALL_VERBS, defineResource, groupVersion, kindKey, RESOURCES, resourceRegistry, ResourceRegistry, type ResourceDefinition,
} from '../../src/controlplane/resources/index.js';
import { aggregated, groupList, resourceList } from '../../src/controlplane/server/discovery.js';
import { openApiDocument } from '../../src/controlplane/server/openapi.js';
import { Store } from '../../src/controlplane/store/index.js';
import { toTable } from '../../src/controlplane/tables/index.js';

type Obj = Record<string, unknown>;

/** A resource hostpod does not serve, defined as a new one would be: a built-in kind, no printer, no patch metadata. */
const priorityClasses = defineResource({
  group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', resource: 'priorityclasses', singular: 'priorityclass',
  verbs: ALL_VERBS, shortNames: ['pc'], categories: [], subresources: [],
});
const extended = new ResourceRegistry([...RESOURCES, priorityClasses]);

function discovered(registry: ResourceRegistry, r: ResourceDefinition): Obj | undefined {
  const list = resourceList(r.group, r.version, registry) as { resources: Obj[] } | undefined;
  return list?.resources.find((entry) => entry['name'] === r.resource);
}

function aggregatedEntry(registry: ResourceRegistry, r: ResourceDefinition): Obj | undefined {
  const document = aggregated(r.group === '', 'v2', registry) as { items: { metadata: { name?: string }; versions: { version: string; resources: Obj[] }[] }[] };
  const group = document.items.find((g) => (g.metadata.name ?? '') === r.group);
  return group?.versions.find((v) => v.version === r.version)?.resources.find((entry) => entry['resource'] === r.resource);
}

describe('resource registry', () => {
  for (const r of RESOURCES) {
    test(`${r.resource} is served by discovery as its definition says`, () => {
      assert.deepEqual(discovered(resourceRegistry, r), {
        name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs,
        ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
        ...(r.categories.length > 0 ? { categories: r.categories } : {}),
      });
      const entry = aggregatedEntry(resourceRegistry, r);
      assert.equal(entry?.['scope'], r.namespaced ? 'Namespaced' : 'Cluster');
      assert.deepEqual(entry['shortNames'], r.shortNames.length > 0 ? r.shortNames : undefined);
      const list = resourceList(r.group, r.version) as { resources: Obj[] };
      for (const s of r.subresources) assert.ok(list.resources.some((e) => e['name'] === `${r.resource}/${s.name}`), `${r.resource}/${s.name}`);
      assert.equal(resourceRegistry.forKind(kindKey(r)), r);
    });
  }

  test('a definition added to a registry is served by discovery and OpenAPI with its short names', () => {
    assert.equal(discovered(resourceRegistry, priorityClasses), undefined);
    assert.deepEqual(discovered(extended, priorityClasses), {
      name: 'priorityclasses', singularName: 'priorityclass', namespaced: false, kind: 'PriorityClass', verbs: [...ALL_VERBS], shortNames: ['pc'],
    });
    assert.equal(aggregatedEntry(extended, priorityClasses)?.['scope'], 'Cluster');
    const groups = (groupList(extended) as { groups: { name: string }[] }).groups.map((g) => g.name);
    assert.ok(groups.includes('scheduling.k8s.io'), groups.join());
    const openapi = openApiDocument('/openapi/v3/apis/scheduling.k8s.io/v1', extended) as { paths: Record<string, unknown> };
    assert.deepEqual(Object.keys(openapi.paths), ['/apis/scheduling.k8s.io/v1/priorityclasses/{name}']);
    assert.equal(openApiDocument('/openapi/v3/apis/scheduling.k8s.io/v1'), undefined);
  });

  test('a definition takes its scope from the catalogue of built-in kinds, and refuses a kind it does not know', () => {
    assert.equal(priorityClasses.namespaced, false);
    assert.equal(defineResource({ ...priorityClasses, kind: 'ResourceQuota', group: '', resource: 'resourcequotas', shortNames: [] }).namespaced, true);
    assert.throws(
      () => defineResource({ group: 'example.com', version: 'v1', kind: 'Widget', resource: 'widgets', singular: 'widget', verbs: ['get'], shortNames: [], categories: [], subresources: [] }),
      /widgets: src\/api\/kinds.ts does not list kind Widget of example.com\/v1/,
    );
  });

  test('a definition without a printer gets the default table, one with a printer its own', () => {
    const object = { metadata: { name: 'high', creationTimestamp: '2025-01-01T00:00:00Z' } };
    const table = toTable(priorityClasses, [object], new Date('2025-01-02T00:00:00Z'));
    assert.deepEqual(table.columnDefinitions?.map((c) => c.name), ['Name', 'Created At']);
    assert.deepEqual(table.rows[0]?.cells, ['high', '2025-01-01T00:00:00Z']);
    const pods = resourceRegistry.find('', 'v1', 'pods')!;
    assert.equal(toTable(pods, [], new Date()).columnDefinitions?.[1]?.name, 'Ready');
  });

  test('a definition without patch metadata takes no strategic merge patch', () => {
    assert.deepEqual(acceptedPatchTypes(priorityClasses.patchMeta), ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']);
    for (const r of RESOURCES.filter((d) => d.verbs.includes('patch'))) {
      assert.ok(acceptedPatchTypes(r.patchMeta).includes('application/strategic-merge-patch+json'), r.resource);
    }
  });

  test('the registry refuses a second definition of a resource, a kind or a short name', () => {
    const pods = resourceRegistry.find('', 'v1', 'pods')!;
    assert.throws(() => new ResourceRegistry([...RESOURCES, pods]), /two definitions of the resource v1\/pods/);
    assert.throws(() => new ResourceRegistry([...RESOURCES, { ...pods, resource: 'pods2', shortNames: [] }]), /kind v1\/Pod is already served by pods/);
    assert.throws(() => new ResourceRegistry([...RESOURCES, { ...priorityClasses, shortNames: ['po'] }]), /short name po is already pods's/);
  });

  describe('the object API serves a new definition without other changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostpod-registry-'));
    const store = Store.open(join(dir, 'state.db'));
    after(() => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const api = new ObjectApi(store, new ResourceStrategy((resource, namespace, name) => store.get({ resource, namespace, name }), () => new Date()));
    const context: RequestContext = { user: ADMIN_USER };

    test('create, get, list with a field selector, and the errors of its definition', () => {
      const created = api.create(priorityClasses, 'ignored', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high', namespace: 'x' }, value: 1000 }, context);
      const meta = created.object['metadata'] as Obj;
      assert.equal(meta['namespace'], undefined, 'a cluster-scoped object has no namespace');
      assert.equal(meta['generation'], undefined, 'no generation without `generation: true`');
      assert.equal(api.get(priorityClasses, '', 'high')['value'], 1000);
      assert.deepEqual(api.list(priorityClasses, '', { fieldSelector: 'metadata.name=high' }).items.length, 1);
      assert.throws(() => api.list(priorityClasses, '', { fieldSelector: 'spec.nodeName=x' }), (e: unknown) => e instanceof StatusError && e.message === 'field label not supported: spec.nodeName');
      assert.throws(
        () => api.patch(priorityClasses, '', 'high', 'application/strategic-merge-patch+json', '{}', context),
        (e: unknown) => e instanceof StatusError && e.code === 415,
      );
      assert.throws(
        () => api.create(priorityClasses, '', { apiVersion: groupVersion(priorityClasses), kind: 'Pod', metadata: { name: 'x' } }, context),
        (e: unknown) => e instanceof StatusError && e.message === 'the kind in the data (Pod) does not match the expected kind (PriorityClass)',
      );
    });
  });
});
