/**
 * RBAC's objects through the API: validation with kube-apiserver 1.36's 422s (recorded from it),
 * the bindings' table, and the bootstrap policy reconciled at each start as kube-apiserver's
 * rbac/bootstrap-roles hook does (missing objects created, auto-updated ones given back what they
 * lack, `autoupdate: "false"` ones left alone).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ControlPlane } from '../../src/controlplane/control-plane.js';
import { api } from '../support/controlplane.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const dir = mkdtempSync(join(tmpdir(), 'hostpod-rbac-'));
let plane: ControlPlane;
before(async () => {
  plane = await ControlPlane.start({ dataDir: dir, host: '127.0.0.1', port: 0 });
});
after(async () => {
  await plane.stop();
  rmSync(dir, { recursive: true, force: true });
});

const rbac = (kind: string, body: Record<string, unknown>) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, ...body });

describe('RBAC objects', () => {
  const refused: [string, string, Record<string, unknown>, string][] = [
    ['a Role\'s rules', '/namespaces/default/roles', rbac('Role', { metadata: { name: 'bad' }, rules: [{ resources: ['pods'] }, { apiGroups: [''], verbs: ['get'], nonResourceURLs: ['/x'] }, { verbs: ['get'], resources: ['pods'] }] }),
      'Role.rbac.authorization.k8s.io "bad" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[0].apiGroups: Required value: resource rules must supply at least one api group, '
      + 'rules[1].nonResourceURLs: Invalid value: ["/x"]: namespaced rules cannot apply to non-resource URLs, rules[1].nonResourceURLs: Invalid value: ["/x"]: rules cannot apply to both regular resources and non-resource URLs, '
      + 'rules[2].apiGroups: Required value: resource rules must supply at least one api group]'],
    ['an empty aggregation rule', '/clusterroles', rbac('ClusterRole', { metadata: { name: 'bad' }, aggregationRule: { clusterRoleSelectors: [] } }),
      'ClusterRole.rbac.authorization.k8s.io "bad" is invalid: aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil'],
    ['a RoleBinding\'s roleRef and subjects', '/namespaces/default/rolebindings', rbac('RoleBinding', {
      metadata: { name: 'bad' }, roleRef: { apiGroup: 'x', kind: 'Pod', name: '' },
      subjects: [{ kind: 'ServiceAccount', name: 'a' }, { kind: 'User', name: '' }, { kind: 'Group', name: 'g', apiGroup: 'x' }, { kind: 'Robot', name: 'r' }, { kind: 'ServiceAccount', name: 'a:b', namespace: 'n', apiGroup: 'rbac.authorization.k8s.io' }],
    }), 'RoleBinding.rbac.authorization.k8s.io "bad" is invalid: [roleRef.apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io", roleRef.kind: Unsupported value: "Pod": supported values: "Role", "ClusterRole", '
      + 'roleRef.name: Required value, subjects[1].name: Required value, subjects[2].apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io", subjects[3].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group", '
      + 'subjects[4].name: Invalid value: "a:b": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\'), '
      + 'subjects[4].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""]'],
    ['a ClusterRoleBinding without its roleRef', '/clusterrolebindings', rbac('ClusterRoleBinding', { metadata: { name: 'bad' }, subjects: [{ kind: 'User', name: 'a' }] }),
      'ClusterRoleBinding.rbac.authorization.k8s.io "bad" is invalid: [roleRef.kind: Unsupported value: "": supported values: "ClusterRole", roleRef.name: Required value]'],
  ];
  for (const [what, path, body, message] of refused) {
    test(`validation refuses ${what} as kube-apiserver does`, async () => {
      const response = await api(plane, 'POST', `${RBAC}${path}`, { body });
      assert.equal(response.status, 422, response.body);
      assert.equal(response.json()['message'], message);
    });
  }

  test('a binding\'s roleRef cannot change; its subjects can', async () => {
    const created = await api(plane, 'POST', `${RBAC}/namespaces/default/rolebindings`, { body: rbac('RoleBinding', { metadata: { name: 'fixed' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'jane' }] }) });
    assert.equal(created.status, 201, created.body);
    // v1's defaults: the roleRef's group and a User's.
    assert.deepEqual(created.json()['subjects'], [{ kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' }]);
    const changed = await api(plane, 'PATCH', `${RBAC}/namespaces/default/rolebindings/fixed`, { body: { roleRef: { name: 'edit' } }, contentType: 'application/merge-patch+json' });
    assert.equal(changed.status, 422);
    assert.equal(changed.json()['message'], 'RoleBinding.rbac.authorization.k8s.io "fixed" is invalid: roleRef: Invalid value: {"APIGroup":"rbac.authorization.k8s.io","Kind":"ClusterRole","Name":"edit"}: cannot change roleRef');
    const subjects = await api(plane, 'PATCH', `${RBAC}/namespaces/default/rolebindings/fixed`, { body: { subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: 'team' }, { kind: 'Group', name: 'devs' }] }, contentType: 'application/strategic-merge-patch+json' });
    assert.equal(subjects.status, 200, subjects.body);
    const table = (await api(plane, 'GET', `${RBAC}/namespaces/default/rolebindings/fixed`, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json() as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    assert.deepEqual(table.columnDefinitions.map((c) => c.name), ['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts']);
    assert.deepEqual([table.rows[0]!.cells[0], table.rows[0]!.cells[1], ...table.rows[0]!.cells.slice(3)], ['fixed', 'ClusterRole/view', '', 'devs', 'team/app']);
  });

  test('a rules review lists what RBAC grants; a missing role is an evaluation error, a node\'s list is incomplete', async () => {
    const bound = await api(plane, 'POST', `${RBAC}/namespaces/default/rolebindings`, { body: rbac('RoleBinding', { metadata: { name: 'ghostly' }, roleRef: { kind: 'Role', name: 'ghost' }, subjects: [{ kind: 'User', name: 'casper' }] }) });
    assert.equal(bound.status, 201, bound.body);
    const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } };
    const asCasper = await api(plane, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { body: review, headers: { 'Impersonate-User': 'casper' } });
    assert.equal(asCasper.status, 201, asCasper.body);
    const status = asCasper.json()['status'] as { incomplete: boolean; evaluationError?: string; resourceRules: { resources?: string[] }[] };
    assert.equal(status.incomplete, false);
    assert.equal(status.evaluationError, 'role.rbac.authorization.k8s.io "ghost" not found');
    assert.deepEqual(status.resourceRules.flatMap((r) => r.resources ?? []), ['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews']);
    const asNode = await api(plane, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { body: review, headers: { 'Impersonate-User': 'system:node:n1' } });
    const nodeStatus = asNode.json()['status'] as { incomplete: boolean; evaluationError?: string };
    assert.deepEqual([nodeStatus.incomplete, nodeStatus.evaluationError], [true, 'node authorizer does not support user rule resolution']);
    const none = await api(plane, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { body: { ...review, spec: {} } });
    assert.equal(none.status, 400);
    assert.equal(none.json()['message'], 'no namespace on request');
  });

  test('the bootstrap policy is reconciled at each start: missing objects back, auto-updated ones completed, others left as they are', async () => {
    const discovery = await api(plane, 'GET', `${RBAC}/clusterroles/system:discovery`);
    assert.equal(discovery.status, 200);
    assert.equal((discovery.json()['metadata'] as { annotations: Record<string, string> }).annotations['rbac.authorization.kubernetes.io/autoupdate'], 'true');
    const merge = 'application/merge-patch+json';
    assert.equal((await api(plane, 'DELETE', `${RBAC}/clusterroles/system:discovery`)).status, 200);
    assert.equal((await api(plane, 'PATCH', `${RBAC}/clusterroles/system:basic-user`, { body: { rules: [], metadata: { labels: { mine: 'yes' } } }, contentType: merge })).status, 200);
    assert.equal((await api(plane, 'PATCH', `${RBAC}/clusterroles/system:public-info-viewer`, { body: { rules: [], metadata: { annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } } }, contentType: merge })).status, 200);
    await plane.stop();
    plane = await ControlPlane.start({ dataDir: dir, host: '127.0.0.1', port: 0 });
    assert.equal((await api(plane, 'GET', `${RBAC}/clusterroles/system:discovery`)).status, 200);
    const basic = (await api(plane, 'GET', `${RBAC}/clusterroles/system:basic-user`)).json();
    assert.deepEqual(basic['rules'], [{ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] }, { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] }]
      .flatMap((r) => r.resources.map((resource) => ({ verbs: r.verbs, apiGroups: r.apiGroups, resources: [resource] }))));
    assert.equal((basic['metadata'] as { labels: Record<string, string> }).labels['mine'], 'yes');
    assert.deepEqual((await api(plane, 'GET', `${RBAC}/clusterroles/system:public-info-viewer`)).json()['rules'], []);
  });
});
