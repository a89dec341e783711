/**
 * RBAC's rule matching, rule resolution and escalation check, against answers recorded from a real
 * kube-apiserver 1.36 (`kubectl auth can-i`, SubjectAccessReviews and the 403s of `kubectl create
 * role|rolebinding`): verbs, groups, resources and subresources with their wildcards, resource
 * names, non-resource URLs and their prefixes; the bindings' subjects; the reasons; the missing
 * rules a refusal lists.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Obj } from '../../src/controlplane/api/object-meta.js';
import { StatusError } from '../../src/controlplane/api/status-error.js';
import { confirmBindingWrite, confirmRoleWrite, uncovered } from '../../src/controlplane/auth/rbac/escalation.js';
import { policyReader, type RbacResource } from '../../src/controlplane/auth/rbac/policy-reader.js';
import { ruleAllowsPath, ruleAllowsResource, type PolicyRule } from '../../src/controlplane/auth/rbac/policy-rule.js';
import { rbacAllowsPath, rbacAllowsResource } from '../../src/controlplane/auth/rbac/rbac-authorizer.js';
import { aggregatedRules } from '../../src/controlplane/controllers/clusterrole-aggregation.js';

const GROUP = 'rbac.authorization.k8s.io';
const meta = (name: string, namespace?: string, labels?: Record<string, string>) => ({ name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) });

/** The objects of the facts recorded from the real server (the parity session's grants). */
const OBJECTS: Record<RbacResource, Obj[]> = {
  roles: [{ metadata: meta('pod-reader', 'rbac'), rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['configmaps'], resourceNames: ['one'], verbs: ['get'] }] }],
  rolebindings: [
    { metadata: meta('read-pods', 'rbac'), roleRef: { apiGroup: GROUP, kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'reader' }, { kind: 'User', name: 'jane', apiGroup: GROUP }, { kind: 'Group', name: 'devs', apiGroup: GROUP }] },
    { metadata: meta('ghost', 'rbac'), roleRef: { apiGroup: GROUP, kind: 'Role', name: 'gone' }, subjects: [{ kind: 'User', name: 'casper', apiGroup: GROUP }] },
  ],
  clusterroles: [
    { metadata: meta('node-lister', undefined, { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }), rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }, { nonResourceURLs: ['/metrics', '/logs/*'], verbs: ['get'] }] },
    { metadata: meta('status-everything'), rules: [{ apiGroups: ['*'], resources: ['*/status'], verbs: ['*'] }] },
    { metadata: meta('view', undefined, {}), aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] }, rules: [{ apiGroups: [''], resources: ['x'], verbs: ['get'] }] },
  ],
  clusterrolebindings: [
    { metadata: meta('list-nodes'), roleRef: { apiGroup: GROUP, kind: 'ClusterRole', name: 'node-lister' }, subjects: [{ kind: 'ServiceAccount', name: 'lister', namespace: 'rbac' }] },
    { metadata: meta('statuses'), roleRef: { apiGroup: GROUP, kind: 'ClusterRole', name: 'status-everything' }, subjects: [{ kind: 'Group', name: 'system:serviceaccounts:ops' }] },
  ],
};
const reader = policyReader((resource, namespace) => OBJECTS[resource].filter((o) => namespace === '' || (o['metadata'] as { namespace?: string }).namespace === namespace));
const account = (namespace: string, name: string) => ({ username: `system:serviceaccount:${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'] });

describe('RBAC rules', () => {
  const rule: PolicyRule = { apiGroups: ['', 'apps'], resources: ['pods', '*/scale', 'deployments'], resourceNames: [], verbs: ['get', 'list'] };
  const cases: [string, Parameters<typeof ruleAllowsResource>[1], boolean][] = [
    ['a verb, group and resource listed', { verb: 'get', group: '', resource: 'pods' }, true],
    ['a verb not listed', { verb: 'delete', group: '', resource: 'pods' }, false],
    ['a group not listed', { verb: 'get', group: 'batch', resource: 'pods' }, false],
    ['a subresource of a listed resource is not the resource', { verb: 'get', group: '', resource: 'pods', subresource: 'log' }, false],
    ['*/scale: the scale of any resource', { verb: 'get', group: 'apps', resource: 'deployments', subresource: 'scale' }, true],
    ['*/scale is no resource itself', { verb: 'get', group: 'apps', resource: 'scale' }, false],
  ];
  for (const [what, request, allowed] of cases) test(`a rule allows ${what}: ${allowed}`, () => assert.equal(ruleAllowsResource(rule, request), allowed));

  test('resource names narrow a rule to the objects named (a list names none)', () => {
    const named: PolicyRule = { apiGroups: [''], resources: ['configmaps'], resourceNames: ['one'], verbs: ['get', 'list'] };
    assert.equal(ruleAllowsResource(named, { verb: 'get', group: '', resource: 'configmaps', name: 'one' }), true);
    assert.equal(ruleAllowsResource(named, { verb: 'get', group: '', resource: 'configmaps', name: 'two' }), false);
    assert.equal(ruleAllowsResource(named, { verb: 'list', group: '', resource: 'configmaps' }), false);
  });

  test('wildcards: every verb, group and resource', () => {
    const all: PolicyRule = { apiGroups: ['*'], resources: ['*'], verbs: ['*'] };
    assert.equal(ruleAllowsResource(all, { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'roles', subresource: 'x' }), true);
  });

  test('non-resource URLs match exactly, or by a prefix ending in *', () => {
    const paths: PolicyRule = { nonResourceURLs: ['/metrics', '/logs/*'], verbs: ['get'] };
    assert.equal(ruleAllowsPath(paths, { verb: 'get', path: '/metrics' }), true);
    assert.equal(ruleAllowsPath(paths, { verb: 'get', path: '/metrics/x' }), false);
    assert.equal(ruleAllowsPath(paths, { verb: 'get', path: '/logs/kube.log' }), true);
    assert.equal(ruleAllowsPath(paths, { verb: 'get', path: '/logs' }), false);
    assert.equal(ruleAllowsPath(paths, { verb: 'post', path: '/metrics' }), false);
  });
});

describe('the RBAC authorizer', () => {
  test('a RoleBinding\'s service account, with its namespace from the binding, and the reason as the real server words it', () => {
    assert.deepEqual(rbacAllowsResource(reader, account('rbac', 'reader'), 'rbac', { verb: 'get', group: '', resource: 'pods' }),
      { allowed: true, reason: 'RBAC: allowed by RoleBinding "read-pods/rbac" of Role "pod-reader" to ServiceAccount "reader/rbac"' });
    assert.equal(rbacAllowsResource(reader, account('other', 'reader'), 'rbac', { verb: 'get', group: '', resource: 'pods' }).allowed, false);
    assert.equal(rbacAllowsResource(reader, account('rbac', 'reader'), 'default', { verb: 'get', group: '', resource: 'pods' }).allowed, false);
  });

  test('a user and a group of a RoleBinding', () => {
    assert.deepEqual(rbacAllowsResource(reader, { username: 'jane', groups: ['system:authenticated'] }, 'rbac', { verb: 'list', group: '', resource: 'pods' }),
      { allowed: true, reason: 'RBAC: allowed by RoleBinding "read-pods/rbac" of Role "pod-reader" to User "jane"' });
    assert.deepEqual(rbacAllowsResource(reader, { username: 'x', groups: ['devs'] }, 'rbac', { verb: 'get', group: '', resource: 'pods', subresource: 'log' }),
      { allowed: true, reason: 'RBAC: allowed by RoleBinding "read-pods/rbac" of Role "pod-reader" to Group "devs"' });
  });

  test('a ClusterRoleBinding applies in every namespace and at the cluster scope; its paths only there', () => {
    assert.deepEqual(rbacAllowsResource(reader, account('rbac', 'lister'), '', { verb: 'list', group: '', resource: 'nodes' }),
      { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "list-nodes" of ClusterRole "node-lister" to ServiceAccount "lister/rbac"' });
    assert.equal(rbacAllowsPath(reader, account('rbac', 'lister'), { verb: 'get', path: '/logs/a' }).allowed, true);
    assert.equal(rbacAllowsPath(reader, account('rbac', 'reader'), { verb: 'get', path: '/metrics' }).allowed, false);
    assert.equal(rbacAllowsResource(reader, account('ops', 'any'), 'kube-system', { verb: 'patch', group: 'apps', resource: 'daemonsets', subresource: 'status' }).allowed, true);
  });

  test('a refusal names the roles its bindings name that do not exist', () => {
    assert.deepEqual(rbacAllowsResource(reader, { username: 'casper', groups: [] }, 'rbac', { verb: 'get', group: '', resource: 'pods' }),
      { allowed: false, reason: 'RBAC: role.rbac.authorization.k8s.io "gone" not found' });
  });
});

describe('escalation prevention', () => {
  const jane = { username: 'jane', groups: ['system:authenticated'] };
  const roles = { group: GROUP, resource: 'roles' };

  test('a role within the user\'s rights is allowed', () => {
    confirmRoleWrite(reader, jane, { resource: roles, namespace: 'rbac', name: 'esc', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] });
  });

  test('a role beyond them is refused with the real server\'s 403, the missing rules compacted', () => {
    assert.throws(() => confirmRoleWrite(reader, jane, { resource: roles, namespace: 'rbac', name: 'esc', rules: [{ apiGroups: [''], resources: ['secrets', 'pods'], verbs: ['get', 'list'] }] }), (error: unknown) => {
      assert.ok(error instanceof StatusError);
      assert.equal(error.code, 403);
      assert.equal(error.message, 'roles.rbac.authorization.k8s.io "esc" is forbidden: user "jane" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}');
      return true;
    });
  });

  test('a binding to a role the user holds, or to one missing, or beyond', () => {
    const bindings = { group: GROUP, resource: 'rolebindings' };
    confirmBindingWrite(reader, jane, { resource: bindings, namespace: 'rbac', name: 'b', roleRef: { apiGroup: GROUP, kind: 'Role', name: 'pod-reader' } });
    assert.throws(() => confirmBindingWrite(reader, jane, { resource: bindings, namespace: 'rbac', name: 'b', roleRef: { apiGroup: GROUP, kind: 'ClusterRole', name: 'node-lister' } }),
      /rolebindings.rbac.authorization.k8s.io "b" is forbidden: user "jane" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["nodes"\], Verbs:\["list"\]\}\n\{NonResourceURLs:\["\/logs\/\*"\], Verbs:\["get"\]\}\n\{NonResourceURLs:\["\/metrics"\], Verbs:\["get"\]\}$/);
  });

  test('coverage: a subresource by */sub, a name by a rule without names, a URL by a prefix', () => {
    const held: PolicyRule[] = [{ apiGroups: ['apps'], resources: ['*/scale'], verbs: ['update'] }, { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }, { nonResourceURLs: ['/logs/*'], verbs: ['get'] }];
    assert.deepEqual(uncovered(held, [
      { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['update'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'], verbs: ['get'] },
      { nonResourceURLs: ['/logs/x'], verbs: ['get'] },
    ]), []);
    assert.deepEqual(uncovered([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'], verbs: ['get'] }], [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]).length, 1);
  });
});

describe('ClusterRole aggregation', () => {
  test('the selected roles\' rules, by name, each once, never the role\'s own', () => {
    const view = OBJECTS.clusterroles[2]!;
    const extra: Obj = { metadata: meta('a-first', undefined, { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }), rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }, { apiGroups: ['apps'], resources: ['*'], verbs: ['get'] }] };
    const selectors = (view['aggregationRule'] as { clusterRoleSelectors: [] }).clusterRoleSelectors;
    assert.deepEqual(aggregatedRules('view', selectors, [...OBJECTS.clusterroles, extra]), [
      { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
      { apiGroups: ['apps'], resources: ['*'], verbs: ['get'] },
      { nonResourceURLs: ['/metrics', '/logs/*'], verbs: ['get'] },
    ]);
  });
});
