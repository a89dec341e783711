/**
 * A pod's create as kube-apiserver answers it, where the differential test against a real one
 * found hostpod answering otherwise: a dry run is 201 Created; metadata and spec errors come in
 * one 422; warnings recorded before a failure (a deprecated AppArmor annotation copied to its
 * field, validation's) go out with the 422 or the Pod Security 403.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let started: StartedPlane;
before(async () => {
  started = await startControlPlane();
  const ns = await api(started.plane, 'POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'strict', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } },
  });
  assert.equal(ns.status, 201, ns.body);
  // The service-account controller makes each namespace's default account.
  for (let i = 0; i < 100; i++) {
    if ((await api(started.plane, 'GET', '/api/v1/namespaces/strict/serviceaccounts/default')).status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
});
after(async () => {
  await started.stop();
});

const APPARMOR = 'container.apparmor.security.beta.kubernetes.io/c';
const DEPRECATED = `metadata.annotations[${APPARMOR}]: deprecated since v1.30; use the "appArmorProfile" field instead`;

function pod(name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, annotations }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } };
}

/** The Warning headers' texts (Node joins repeated headers with ", "). */
function warnings(headers: Record<string, string | string[] | undefined>): string {
  const value = headers['warning'];
  return Array.isArray(value) ? value.join(', ') : value ?? '';
}

describe('pod create', () => {
  test('pod create: a dry run is 201 Created, as kube-apiserver answers it', async () => {
    const created = await api(started.plane, 'POST', '/api/v1/namespaces/default/pods?dryRun=All', { body: pod('dry', {}) });
    assert.equal(created.status, 201, created.body);
    assert.equal((await api(started.plane, 'GET', '/api/v1/namespaces/default/pods/dry')).status, 404);
  });

  test('pod create: an invalid name and an invalid spec are one 422 naming both', async () => {
    const created = await api(started.plane, 'POST', '/api/v1/namespaces/default/pods', { body: pod('Bad_Name', { restartPolicy: 'Sometimes' }) });
    assert.equal(created.status, 422, created.body);
    const fields = ((created.json()['details'] as { causes: { field: string }[] }).causes).map((c) => c.field);
    assert.deepEqual(fields, ['metadata.name', 'spec.restartPolicy']);
  });

  test('pod create: an AppArmor annotation becomes the container\'s field, with the deprecation warning', async () => {
    const created = await api(started.plane, 'POST', '/api/v1/namespaces/default/pods?dryRun=All', { body: pod('armored', {}, { [APPARMOR]: 'localhost/profile-a' }) });
    assert.equal(created.status, 201, created.body);
    const container = ((created.json()['spec'] as { containers: { securityContext?: unknown }[] }).containers)[0];
    assert.deepEqual(container?.securityContext, { appArmorProfile: { type: 'Localhost', localhostProfile: 'profile-a' } });
    assert.equal(warnings(created.headers), `299 - "${DEPRECATED.replace(/"/g, '\\"')}"`);
  });

  test('pod create: the AppArmor warning goes out with a 422 too', async () => {
    const created = await api(started.plane, 'POST', '/api/v1/namespaces/default/pods', { body: pod('armored-invalid', { restartPolicy: 'Sometimes' }, { [APPARMOR]: 'unconfined' }) });
    assert.equal(created.status, 422, created.body);
    assert.match(warnings(created.headers), /deprecated since v1\.30/);
  });

  test('pod create: validation warnings go out with a Pod Security 403', async () => {
    const body = pod('denied', { hostNetwork: true, containers: [{ name: 'c', image: 'busybox', resources: { requests: { memory: '1500m' } } }] });
    const created = await api(started.plane, 'POST', '/api/v1/namespaces/strict/pods', { body });
    assert.equal(created.status, 403, created.body);
    assert.match(created.json()['message'] as string, /violates PodSecurity "baseline:latest": host namespaces/);
    assert.match(warnings(created.headers), /spec\.containers\[0\]\.resources\.requests\[memory\]: fractional byte value \\"1500m\\" is invalid, must be an integer/);
  });
});
