/**
 * RBAC parity (issue 18): one scripted kubectl session, run step by step against the real control
 * plane (kube-apiserver 1.36 with --authorization-mode=Node,RBAC, its controller manager) and
 * against `hostpod up --no-node`: Roles, ClusterRoles (an aggregated one), RoleBindings and
 * ClusterRoleBindings applied, read, described and refused as invalid; the bootstrap policy;
 * `kubectl auth can-i` (with --as, -n, --list) for allowed and refused requests; 403s for a
 * service account by token and by --as; access reviews with RBAC's reasons; escalation refused,
 * then allowed through `escalate` and `bind`. Each step's normalized output must be the same on
 * both, but for the differences listed with their reason in parity-rbac.known.yaml; a listed
 * difference that no longer occurs fails too.
 *
 * HOSTPOD_PARITY_TRANSCRIPT=FILE writes every step's normalized output on both sides to FILE.
 */
import { join } from 'node:path';
import { kubectlSkip } from '../support/controlplane.js';
import { realClusterSkip } from '../support/kube-binaries.js';
import { paritySuite } from '../support/parity/suite.js';
import type { ParitySession} from '../support/parity/session.js';
import { type Run } from '../support/parity/session.js';

const KUBECTL = '1.33';
const NS = 'rbac';
const KNOWN = join(import.meta.dirname, 'parity-rbac.known.yaml');
const skip = realClusterSkip() || kubectlSkip(KUBECTL);

const ok = (run: Run): boolean => run.code === 0;
const printed = (text: string) => (run: Run): boolean => run.code === 0 && run.stdout.trim() === text;
const n = (...args: string[]): string[] => [...args, '-n', NS];
const as = (account: string): string => `--as=system:serviceaccount:${NS}:${account}`;

const GRANTS = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: ${NS}}
rules:
- apiGroups: [""]
  resources: [pods, pods/log]
  verbs: [get, list]
- apiGroups: [""]
  resources: [configmaps]
  resourceNames: [one]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: ${NS}}
subjects:
- {kind: ServiceAccount, name: reader, namespace: ${NS}}
- {kind: User, name: jane, apiGroup: rbac.authorization.k8s.io}
- {kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: Role, name: pod-reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: parity-node-lister, labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}
rules:
- apiGroups: [""]
  resources: [nodes]
  verbs: [list]
- nonResourceURLs: ["/metrics", "/logs/*"]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: parity-list-nodes}
subjects:
- {kind: ServiceAccount, name: lister, namespace: ${NS}}
roleRef: {kind: ClusterRole, name: parity-node-lister, apiGroup: rbac.authorization.k8s.io}
`;

const review = (kind: string, spec: Record<string, unknown>, namespace?: string): string =>
  JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind, ...(namespace ? { metadata: { namespace } } : {}), spec });

async function grants(s: ParitySession): Promise<void> {
  await s.step('create namespace', ['create', 'namespace', NS]);
  await s.settle('the default service account', n('get', 'serviceaccount', 'default'), ok);
  for (const account of ['reader', 'lister', 'nobody']) await s.step(`create serviceaccount ${account}`, n('create', 'serviceaccount', account));
  s.write('grants.yaml', GRANTS);
  await s.step('apply: created', ['apply', '-f', 'grants.yaml']);
  await s.step('apply: unchanged', ['apply', '-f', 'grants.yaml']);
  await s.step('get roles,rolebindings', n('get', 'roles,rolebindings'));
  await s.step('get rolebindings -o wide', n('get', 'rolebindings', '-o', 'wide'));
  await s.step('get clusterrolebinding -o wide', ['get', 'clusterrolebinding', 'parity-list-nodes', 'cluster-admin', '-o', 'wide']);
  await s.step('get clusterrole', ['get', 'clusterrole', 'parity-node-lister', 'admin']);
  await s.step('get role -o yaml', n('get', 'role', 'pod-reader', '-o', 'yaml'));
  await s.step('get rolebinding -o yaml', n('get', 'rolebinding', 'read-pods', '-o', 'yaml'));
  await s.step('get clusterrolebinding -o yaml', ['get', 'clusterrolebinding', 'parity-list-nodes', '-o', 'yaml']);
  await s.step('describe role', n('describe', 'role', 'pod-reader'));
  await s.step('describe rolebinding', n('describe', 'rolebinding', 'read-pods'));
  await s.step('describe clusterrole', ['describe', 'clusterrole', 'parity-node-lister']);
  await s.step('describe clusterrolebinding', ['describe', 'clusterrolebinding', 'parity-list-nodes']);
}

async function discovery(s: ParitySession): Promise<void> {
  await s.step('api-resources: rbac', ['api-resources', '--api-group=rbac.authorization.k8s.io']);
  await s.step('api-resources: authorization', ['api-resources', '--api-group=authorization.k8s.io', '-o', 'wide']);
  await s.step('explain role.rules', ['explain', 'role.rules']);
  s.write('reconciled.yaml', GRANTS.replace(/pod-reader/g, 'reconciled').replace(/read-pods/g, 'reconciled').replace(/parity-node-lister/g, 'parity-reconciled').replace(/parity-list-nodes/g, 'parity-reconciled'));
  await s.step('auth reconcile: created', ['auth', 'reconcile', '-f', 'reconciled.yaml']);
  await s.step('auth reconcile: unchanged', ['auth', 'reconcile', '-f', 'reconciled.yaml']);
  await s.step('auth reconcile: reconciled role', n('get', 'role', 'reconciled', '-o', 'yaml'));
  await s.step('auth reconcile: clean up', ['delete', '-f', 'reconciled.yaml']);
}

async function bootstrapPolicy(s: ParitySession): Promise<void> {
  const defaults = '-l=kubernetes.io/bootstrapping=rbac-defaults';
  await s.step('bootstrap cluster roles', ['get', 'clusterroles', defaults, '-o', 'name']);
  await s.step('bootstrap cluster role bindings', ['get', 'clusterrolebindings', defaults, '-o', 'name']);
  await s.step('bootstrap roles', ['get', 'roles', '-A', defaults]);
  await s.step('bootstrap role bindings -o wide', ['get', 'rolebindings', '-A', defaults, '-o', 'wide']);
  await s.step('cluster-admin -o yaml', ['get', 'clusterrole', 'cluster-admin', '-o', 'yaml']);
  await s.step('system:node-proxier -o yaml', ['get', 'clusterrole', 'system:node-proxier', '-o', 'yaml']);
  await s.step('describe clusterrolebinding system:basic-user', ['describe', 'clusterrolebinding', 'system:basic-user']);
  // The aggregated roles come out of aggregation: view gains the rules of a role labelled for it.
  await s.settle('view aggregates the parity role', ['get', 'clusterrole', 'view', '-o', 'jsonpath={.rules[0].resources}'], printed('["nodes"]'));
  await s.step('view -o yaml', ['get', 'clusterrole', 'view', '-o', 'yaml']);
  await s.step('edit -o yaml', ['get', 'clusterrole', 'edit', '-o', 'yaml']);
  await s.step('admin -o yaml', ['get', 'clusterrole', 'admin', '-o', 'yaml']);
  await s.step('describe clusterrole view', ['describe', 'clusterrole', 'view']);
}

async function canI(s: ParitySession): Promise<void> {
  await s.step('can-i: bound by a RoleBinding', n('auth', 'can-i', 'list', 'pods', as('reader')));
  await s.step('can-i: a subresource', n('auth', 'can-i', 'get', 'pods/log', as('reader')));
  await s.step('can-i: bound to nothing', n('auth', 'can-i', 'list', 'pods', as('nobody')));
  await s.step('can-i: another namespace', ['auth', 'can-i', 'list', 'pods', '-n', 'default', as('reader')]);
  await s.step('can-i: a ClusterRoleBinding', ['auth', 'can-i', 'list', 'nodes', as('lister')]);
  await s.step('can-i: a verb not granted', ['auth', 'can-i', 'get', 'nodes', as('lister')]);
  await s.step('can-i: a resource name', n('auth', 'can-i', 'get', 'configmaps/one', as('reader')));
  await s.step('can-i: another resource name', n('auth', 'can-i', 'get', 'configmaps/two', as('reader')));
  await s.step('can-i: a path', ['auth', 'can-i', 'get', '/metrics', as('lister')]);
  await s.step('can-i: a path by a prefix', ['auth', 'can-i', 'get', '/logs/kube', as('lister')]);
  await s.step('can-i: a path not granted', ['auth', 'can-i', 'get', '/metrics', as('nobody')]);
  await s.step('can-i: a user', n('auth', 'can-i', 'get', 'pods', '--as=jane'));
  await s.step('can-i: a group', n('auth', 'can-i', 'get', 'pods', '--as=someone', '--as-group=devs'));
  await s.step('can-i: the view role', n('auth', 'can-i', 'list', 'configmaps', '--as=viewer'));
  // A review's namespace is taken as given, whatever the resource's scope: a RoleBinding answers for nodes.
  await s.step('grant: nodes in a namespace', n('create', 'rolebinding', 'kate-nodes', '--clusterrole=parity-node-lister', '--user=kate'));
  await s.step('can-i: a cluster-scoped resource in a namespace', n('auth', 'can-i', 'list', 'nodes', '--as=kate'));
  await s.step('403: the same request', ['get', 'nodes', '--as=kate']);
  await s.step('can-i --list: a service account', n('auth', 'can-i', '--list', as('reader')));
  await s.step('can-i --list: elsewhere', ['auth', 'can-i', '--list', '-n', 'kube-system', as('lister')]);
  await s.step('can-i --list: a user', n('auth', 'can-i', '--list', '--as=jane'));
}

async function refusals(s: ParitySession): Promise<void> {
  await s.step('403: a namespaced list', n('get', 'pods', as('nobody')));
  await s.step('403: the cluster scope', ['get', 'nodes', as('nobody')]);
  await s.step('allowed: list nodes', ['get', 'nodes', as('lister')]);
  await s.step('403: a path', ['get', '--raw', '/metrics', as('nobody')]);
  await s.step('403: a user, everywhere', ['get', 'pods', '-A', '--as=jane']);
  await s.step('403: a namespace itself', ['get', 'namespace', NS, '--as=jane']);
  await s.step('403: create a cluster role binding', ['create', 'clusterrolebinding', 'x', '--clusterrole=view', '--user=jane', as('nobody')]);
  await s.capture('nobodyToken', n('create', 'token', 'nobody'));
  await s.capture('readerToken', n('create', 'token', 'reader'));
  s.asUser('nobody', 'nobodyToken');
  s.asUser('reader', 'readerToken');
  await s.step('403: by token', n('get', 'configmaps'), { user: 'nobody' });
  await s.step('allowed: by token', n('get', 'pods'), { user: 'reader' });
  await s.step('403: by token, a name not granted', n('get', 'configmap', 'kube-root-ca.crt'), { user: 'reader' });
  await s.step('can-i: by token', n('auth', 'can-i', 'get', 'pods/log'), { user: 'reader' });

  // Impersonation by a service account that RBAC lets impersonate another (legacy impersonation).
  await s.step('403: impersonation not granted', n('get', 'configmaps', `--as=system:serviceaccount:${NS}:lister`), { user: 'reader' });
  await s.step('grant: impersonate service accounts', n('create', 'role', 'impersonator', '--verb=impersonate', '--resource=serviceaccounts'));
  await s.step('grant: impersonate to the reader', n('create', 'rolebinding', 'impersonator', '--role=impersonator', `--serviceaccount=${NS}:reader`));
  await s.step('impersonation granted: whoami', ['auth', 'whoami', `--as=system:serviceaccount:${NS}:lister`], { user: 'reader' });
  await s.step('impersonation granted: as the other account', ['get', 'nodes', '-o', 'name', `--as=system:serviceaccount:${NS}:lister`], { user: 'reader' });
  await s.step('403: impersonating a user', n('get', 'configmaps', '--as=jane'), { user: 'reader' });
  await s.step('403: impersonating a group too', n('get', 'configmaps', `--as=system:serviceaccount:${NS}:lister`, '--as-group=devs'), { user: 'reader' });
}

async function reviews(s: ParitySession): Promise<void> {
  const cases: [string, string][] = [
    ['a cluster role binding', review('SubjectAccessReview', { user: `system:serviceaccount:${NS}:lister`, groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'], resourceAttributes: { verb: 'list', resource: 'nodes' } })],
    ['a role binding', review('SubjectAccessReview', { user: `system:serviceaccount:${NS}:reader`, groups: ['system:authenticated'], resourceAttributes: { verb: 'get', resource: 'pods', namespace: NS } })],
    ['refused', review('SubjectAccessReview', { user: 'jane', groups: ['system:authenticated'], resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'kube-system' } })],
    ['the admin', review('SubjectAccessReview', { user: 'admin', groups: ['system:masters'], resourceAttributes: { verb: 'get', resource: 'pods' } })],
    ['a node', review('SubjectAccessReview', { user: 'system:node:n1', groups: ['system:nodes'], resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'x' } })],
    ['local', review('LocalSubjectAccessReview', { user: 'jane', resourceAttributes: { verb: 'get', resource: 'pods', namespace: NS } }, NS)],
  ];
  for (const [what, body] of cases) {
    const file = `review-${what.replace(/\W+/g, '-')}.json`;
    s.write(file, body);
    await s.step(`access review: ${what}`, ['create', '-f', file, '-o', 'jsonpath={.status}']);
  }
  s.write('rules-review.json', review('SelfSubjectRulesReview', { namespace: NS }));
  await s.step('rules review: the admin', ['create', '-f', 'rules-review.json', '-o', 'jsonpath={.status.incomplete}']);
}

async function escalation(s: ParitySession): Promise<void> {
  await s.step('403: create a role without the verb', n('create', 'role', 'esc', '--verb=get', '--resource=secrets', as('reader')));
  await s.step('grant: create roles and bindings', ['create', 'clusterrole', 'parity-rbac-writer', '--verb=create', '--resource=roles,rolebindings,clusterroles']);
  await s.step('grant: to jane', n('create', 'rolebinding', 'rbac-writer', '--clusterrole=parity-rbac-writer', '--user=jane'));
  await s.step('grant: cluster roles to jane', ['create', 'clusterrolebinding', 'parity-rbac-writer', '--clusterrole=parity-rbac-writer', '--user=jane']);
  await s.step('403: escalation in a cluster role', ['create', 'clusterrole', 'parity-esc', '--verb=get', '--resource=secrets,pods', '--as=jane']);
  await s.step('403: escalation in a role', n('create', 'role', 'esc', '--verb=get,list', '--resource=secrets,pods', '--as=jane'));
  await s.step('allowed: a role within her rights', n('create', 'role', 'esc', '--verb=get', '--resource=pods', '--as=jane'));
  await s.step('403: binding the admin role', n('create', 'rolebinding', 'adm', '--clusterrole=admin', '--user=bob', '--as=jane'));
  await s.step('allowed: binding a role she holds', n('create', 'rolebinding', 'adm2', '--role=pod-reader', '--user=bob', '--as=jane'));
  await s.step('403: binding a role that does not exist', n('create', 'rolebinding', 'haunted', '--role=ghost', '--user=bob', '--as=jane'));
  await s.step('grant: escalate and bind', ['create', 'clusterrole', 'parity-escalate', '--verb=escalate,bind', '--resource=roles,clusterroles']);
  await s.step('grant: escalate to jane', n('create', 'rolebinding', 'escalate', '--clusterrole=parity-escalate', '--user=jane'));
  await s.step('allowed: escalate', n('create', 'role', 'esc3', '--verb=get,list', '--resource=secrets', '--as=jane'));
  await s.step('allowed: bind', n('create', 'rolebinding', 'adm', '--clusterrole=admin', '--user=bob', '--as=jane'));
  await s.step('403: an aggregated cluster role', ['create', 'clusterrole', 'agg', '--aggregation-rule=a=b', '--as=jane']);
}

async function invalid(s: ParitySession): Promise<void> {
  const bodies: [string, Record<string, unknown>][] = [
    ['a role', { kind: 'Role', metadata: { name: 'bad', namespace: NS }, rules: [{ resources: ['pods'] }, { apiGroups: [''], verbs: ['get'], nonResourceURLs: ['/x'] }, { verbs: ['get'], resources: ['pods'] }] }],
    ['a cluster role', { kind: 'ClusterRole', metadata: { name: 'bad' }, rules: [{ verbs: ['get'], nonResourceURLs: ['x'] }, { verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }] }],
    ['an aggregation rule', { kind: 'ClusterRole', metadata: { name: 'bad' }, aggregationRule: { clusterRoleSelectors: [] } }],
    ['a role binding', { kind: 'RoleBinding', metadata: { name: 'bad', namespace: NS }, roleRef: { apiGroup: 'x', kind: 'Pod', name: '' }, subjects: [{ kind: 'ServiceAccount', name: 'a' }, { kind: 'User', name: '' }, { kind: 'Group', name: 'g', apiGroup: 'x' }, { kind: 'Robot', name: 'r' }, { kind: 'ServiceAccount', name: 'a:b', namespace: 'n', apiGroup: 'rbac.authorization.k8s.io' }] }],
    ['a cluster role binding', { kind: 'ClusterRoleBinding', metadata: { name: 'bad' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'a' }] }],
    ['no roleRef', { kind: 'ClusterRoleBinding', metadata: { name: 'bad' }, subjects: [{ kind: 'User', name: 'a' }] }],
    ['a name', { kind: 'ClusterRole', metadata: { name: 'a/b' }, rules: [] }],
  ];
  for (const [what, body] of bodies) {
    const file = `invalid-${what.replace(/\W+/g, '-')}.json`;
    s.write(file, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', ...body }));
    await s.step(`422: ${what}`, ['create', '-f', file]);
  }
  await s.step('422: a roleRef changed', n('patch', 'rolebinding', 'read-pods', '--type=merge', '-p', '{"roleRef":{"name":"other"}}'));
  await s.step('patch: subjects', n('patch', 'rolebinding', 'read-pods', '--type=merge', '-p', `{"subjects":[{"kind":"ServiceAccount","name":"reader","namespace":"${NS}"}]}`));
  await s.step('patched: -o wide', n('get', 'rolebinding', 'read-pods', '-o', 'wide'));
  await s.step('create rolebinding --dry-run=server -o yaml', n('create', 'rolebinding', 'dflt', '--role=x', `--serviceaccount=${NS}:a`, '--group=g', '--dry-run=server', '-o', 'yaml'));
}

async function removal(s: ParitySession): Promise<void> {
  await s.step('delete the role', n('delete', 'role', 'pod-reader'));
  await s.step('403: the binding names a missing role', n('get', 'pods', as('reader')));
  await s.step('delete the cluster role bindings', ['delete', 'clusterrolebinding', 'parity-list-nodes', 'parity-rbac-writer']);
  await s.step('can-i: unbound', ['auth', 'can-i', 'list', 'nodes', as('lister')]);
  await s.step('delete the cluster roles', ['delete', 'clusterrole', 'parity-node-lister', 'parity-rbac-writer', 'parity-escalate']);
  await s.settle('view no longer aggregates the parity role', ['get', 'clusterrole', 'view', '-o', 'jsonpath={.rules[0].resources}'], (run) => ok(run) && !run.stdout.includes('nodes'));
  await s.step('view: aggregated again', ['get', 'clusterrole', 'view', '-o', 'jsonpath={.rules[0]}']);
}

paritySuite({
  title: 'RBAC parity: the kubectl session on the real control plane and on hostpod up',
  skip, known: KNOWN, kubectls: [KUBECTL],
  run: async (session) => {
    for (const section of [grants, discovery, bootstrapPolicy, canI, refusals, reviews, escalation, invalid, removal]) await section(session);
  },
});
