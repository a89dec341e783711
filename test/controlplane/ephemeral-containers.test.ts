/**
 * `pods/ephemeralcontainers` as kube-apiserver serves it: get, update and patch only; a write
 * through it changes the ephemeral containers and nothing else; RBAC asks for the subresource,
 * NodeRestriction keeps nodes out, and Pod Security judges the pod with its new container.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let started: StartedPlane;
const SMP = 'application/strategic-merge-patch+json';

before(async () => {
  started = await startControlPlane();
  const ns = await api(started.plane, 'POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'guarded', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } },
  });
  assert.equal(ns.status, 201, ns.body);
  for (const namespace of ['default', 'guarded']) {
    for (let i = 0; i < 100; i++) {
      if ((await api(started.plane, 'GET', `/api/v1/namespaces/${namespace}/serviceaccounts/default`)).status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});
after(async () => {
  await started.stop();
});

async function createPod(namespace: string, name: string): Promise<void> {
  const created = await api(started.plane, 'POST', `/api/v1/namespaces/${namespace}/pods`, {
    body: { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'busybox' }] } },
  });
  assert.equal(created.status, 201, created.body);
}

const debugger_ = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: 'busybox', command: ['sh'], ...extra });

describe('pods/ephemeralcontainers', () => {
  test('pods/ephemeralcontainers: a strategic merge patch adds a container; the generation goes up; labels in the patch are dropped', async () => {
    await createPod('default', 'patched');
    const path = '/api/v1/namespaces/default/pods/patched/ephemeralcontainers';
    const patched = await api(started.plane, 'PATCH', path, {
      contentType: SMP,
      body: { metadata: { labels: { app: 'changed' } }, spec: { ephemeralContainers: [debugger_('debugger-abcde', { targetContainerName: 'main' })] } },
    });
    assert.equal(patched.status, 200, patched.body);
    const pod = patched.json() as { metadata: { labels: Record<string, string>; generation: number }; spec: { ephemeralContainers: { name: string; terminationMessagePolicy: string }[] } };
    assert.deepEqual(pod.spec.ephemeralContainers.map((c) => c.name), ['debugger-abcde']);
    // Defaulted as any container.
    assert.equal(pod.spec.ephemeralContainers[0]?.terminationMessagePolicy, 'File');
    assert.deepEqual(pod.metadata.labels, { app: 'patched' });
    assert.equal(pod.metadata.generation, 2);
    const read = await api(started.plane, 'GET', path);
    assert.equal(read.status, 200);
    assert.equal((read.json() as { kind: string }).kind, 'Pod');
  });

  test('pods/ephemeralcontainers: POST and DELETE are 405; an unknown target, a duplicate name and forbidden fields are 422', async () => {
    await createPod('default', 'strict');
    const path = '/api/v1/namespaces/default/pods/strict/ephemeralcontainers';
    assert.equal((await api(started.plane, 'POST', path, { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'strict' } } })).status, 405);
    assert.equal((await api(started.plane, 'DELETE', path)).status, 405);
    const bad = await api(started.plane, 'PATCH', path, {
      contentType: SMP,
      body: { spec: { ephemeralContainers: [debugger_('main', { targetContainerName: 'nope', resources: { limits: { cpu: '1' } }, lifecycle: { preStop: { exec: { command: ['true'] } } } })] } },
    });
    assert.equal(bad.status, 422, bad.body);
    const causes = (bad.json()['details'] as { causes: { field: string; message: string }[] }).causes.map((c) => `${c.field}: ${c.message}`);
    assert.deepEqual(causes, [
      'spec.ephemeralContainers[0].name: Duplicate value: "main"',
      'spec.ephemeralContainers[0].targetContainerName: Not found: "nope"',
      'spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container',
      'spec.ephemeralContainers[0].lifecycle: Forbidden: cannot be set for an Ephemeral Container',
    ]);
  });

  test('pods/ephemeralcontainers: an existing ephemeral container may be neither changed nor removed', async () => {
    await createPod('default', 'fixed');
    const path = '/api/v1/namespaces/default/pods/fixed/ephemeralcontainers';
    assert.equal((await api(started.plane, 'PATCH', path, { contentType: SMP, body: { spec: { ephemeralContainers: [debugger_('dbg')] } } })).status, 200);
    const changed = await api(started.plane, 'PATCH', path, { contentType: SMP, body: { spec: { ephemeralContainers: [debugger_('dbg', { image: 'alpine' })] } } });
    assert.equal(changed.status, 422, changed.body);
    assert.match(changed.json()['message'] as string, /^Pod "fixed" is invalid: spec\.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be changed/);
    const removed = await api(started.plane, 'PATCH', path, { contentType: 'application/merge-patch+json', body: { spec: { ephemeralContainers: null } } });
    assert.equal(removed.status, 422, removed.body);
    assert.match(removed.json()['message'] as string, /existing ephemeral containers "dbg" may not be removed/);
  });

  test('pods/ephemeralcontainers: Pod Security judges the new container; RBAC asks for the subresource; a node may not use it', async () => {
    await createPod('guarded', 'guarded');
    const path = '/api/v1/namespaces/guarded/pods/guarded/ephemeralcontainers';
    const privileged = await api(started.plane, 'PATCH', path, { contentType: SMP, body: { spec: { ephemeralContainers: [debugger_('root', { securityContext: { privileged: true } })] } } });
    assert.equal(privileged.status, 403, privileged.body);
    assert.match(privileged.json()['message'] as string, /violates PodSecurity "baseline:latest": privileged \(container "root" must not set securityContext\.privileged=true\)/);
    // A user who may patch pods but not pods/ephemeralcontainers.
    const role = await api(started.plane, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/guarded/roles', {
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'patch', 'update'] }] },
    });
    assert.equal(role.status, 201, role.body);
    const binding = await api(started.plane, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/guarded/rolebindings', {
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'jane' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pods' }, subjects: [{ kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' }] },
    });
    assert.equal(binding.status, 201, binding.body);
    const asJane = await api(started.plane, 'PATCH', path, { contentType: SMP, headers: { 'Impersonate-User': 'jane' }, body: { spec: { ephemeralContainers: [debugger_('dbg')] } } });
    assert.equal(asJane.status, 403, asJane.body);
    assert.match(asJane.json()['message'] as string, /cannot patch resource "pods\/ephemeralcontainers" in API group "" in the namespace "guarded"/);
    const asNode = await api(started.plane, 'PATCH', path, { contentType: SMP, headers: { 'Impersonate-User': 'system:node:n1', 'Impersonate-Group': 'system:nodes' }, body: { spec: { ephemeralContainers: [debugger_('dbg')] } } });
    assert.equal(asNode.status, 403, asNode.body);
    const allowed = await api(started.plane, 'PATCH', path, { contentType: SMP, body: { spec: { ephemeralContainers: [debugger_('dbg')] } } });
    assert.equal(allowed.status, 200, allowed.body);
  });
});
