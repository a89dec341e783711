/**
 * Impersonation (`kubectl --as`): the admin acts as whom the Impersonate-* headers name, as
 * kube-apiserver's impersonation filter makes that user; anyone else is refused with
 * kube-apiserver 1.36's messages (constrained impersonation's impersonate-on:MODE:VERB, or
 * legacy impersonation's check of the user when no mode fits).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let s: StartedPlane;
let token: string;
before(async () => {
  s = await startControlPlane();
  await api(s.plane, 'POST', '/api/v1/namespaces/default/serviceaccounts', { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } } });
  const issued = await api(s.plane, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } });
  token = (issued.json()['status'] as { token: string }).token;
});
after(async () => {
  await s.stop();
});

const whoami = async (headers: Record<string, string | string[]>): Promise<unknown> => {
  const answered = await api(s.plane, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, headers });
  assert.equal(answered.status, 201, answered.body);
  return (answered.json()['status'] as { userInfo: unknown }).userInfo;
};

describe('impersonation', () => {
  test('impersonation by the admin makes the user the headers name, with the groups kube-apiserver gives it', async () => {
    assert.deepEqual(await whoami({ 'Impersonate-User': 'jane', 'Impersonate-Group': ['devs', 'ops'], 'Impersonate-Uid': '42', 'Impersonate-Extra-Team%2Fname': 'blue' }), {
      username: 'jane', uid: '42', groups: ['devs', 'ops', 'system:authenticated'], extra: { 'team/name': ['blue'] },
    });
    assert.deepEqual(await whoami({ 'Impersonate-User': 'system:serviceaccount:default:robot' }), {
      username: 'system:serviceaccount:default:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
    });
    assert.deepEqual(await whoami({ 'Impersonate-User': 'system:node:n1' }), { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] });
  });

  test('impersonation by the admin is authorized as the impersonated user', async () => {
    const asRobot = { 'Impersonate-User': 'system:serviceaccount:default:robot' };
    assert.equal((await api(s.plane, 'GET', '/api/v1/namespaces/default/configmaps', { headers: asRobot })).status, 403);
    const bound = await api(s.plane, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'robot-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'robot' }] },
    });
    assert.equal(bound.status, 201, bound.body);
    assert.equal((await api(s.plane, 'GET', '/api/v1/namespaces/default/configmaps', { headers: asRobot })).status, 200);
    const elsewhere = await api(s.plane, 'GET', '/api/v1/namespaces/kube-system/pods', { headers: asRobot });
    assert.equal(elsewhere.status, 403);
    assert.equal(elsewhere.json()['message'], 'pods is forbidden: User "system:serviceaccount:default:robot" cannot list resource "pods" in API group "" in the namespace "kube-system"');
  });

  const refusals: [string, string, string, Record<string, string | string[]>, string][] = [
    ['a user', 'GET', '/api/v1/namespaces/default/pods', { 'Impersonate-User': 'someone' },
      'pods is forbidden: User "system:serviceaccount:default:robot" cannot impersonate-on:user-info:list resource "pods" in API group "" in the namespace "default"'],
    ['a user, on a named object', 'GET', '/api/v1/namespaces/default/pods/web', { 'Impersonate-User': 'someone', 'Impersonate-Group': 'devs' },
      'pods "web" is forbidden: User "system:serviceaccount:default:robot" cannot impersonate-on:user-info:get resource "pods" in API group "" in the namespace "default"'],
    ['a service account', 'GET', '/api/v1/nodes', { 'Impersonate-User': 'system:serviceaccount:default:other' },
      'nodes is forbidden: User "system:serviceaccount:default:robot" cannot impersonate-on:serviceaccount:list resource "nodes" in API group "" at the cluster scope'],
    ['a service account with groups (legacy impersonation)', 'GET', '/api/v1/nodes', { 'Impersonate-User': 'system:serviceaccount:default:other', 'Impersonate-Group': 'g' },
      'serviceaccounts "other" is forbidden: User "system:serviceaccount:default:robot" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "default"'],
    ['a node', 'GET', '/api/v1/nodes', { 'Impersonate-User': 'system:node:n1' },
      'nodes is forbidden: User "system:serviceaccount:default:robot" cannot impersonate-on:arbitrary-node:list resource "nodes" in API group "" at the cluster scope'],
    ['a node with groups (legacy impersonation)', 'GET', '/api/v1/nodes', { 'Impersonate-User': 'system:node:n1', 'Impersonate-Group': 'g' },
      'users "system:node:n1" is forbidden: User "system:serviceaccount:default:robot" cannot impersonate resource "users" in API group "" at the cluster scope'],
    ['a user, on a path', 'GET', '/version', { 'Impersonate-User': 'someone' },
      'forbidden: User "system:serviceaccount:default:robot" cannot impersonate-on:user-info:get path "/version"'],
  ];
  for (const [whom, method, path, headers, message] of refusals) {
    test(`impersonation of ${whom} by a service account is refused as kube-apiserver refuses it`, async () => {
      const refused = await api(s.plane, method, path, { headers, token });
      assert.equal(refused.status, 403, refused.body);
      assert.equal(refused.json()['message'], message);
    });
  }

  test('impersonation headers without Impersonate-User are a 400', async () => {
    const bad = await api(s.plane, 'GET', '/api/v1/namespaces/default/pods', { headers: { 'Impersonate-Group': 'devs' } });
    assert.equal(bad.status, 400, bad.body);
    assert.match(bad.json()['message'] as string, /without impersonating a user name$/);
  });
});
