/**
 * SubjectAccessReview (`authorization.k8s.io/v1`): the API server answers "may this user do
 * this?" with its own authorizer, for admins and nodes; kubelet endpoints ask it about their
 * callers and cache the answers as the kubelet does. SelfSubjectAccessReview and
 * SelfSubjectReview answer any user about itself (`kubectl auth can-i`, `kubectl auth whoami`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { issueCertificate } from '../../src/pki.js';
import { ControlPlane } from '../../src/controlplane/control-plane.js';
import type { RequestLog } from '../../src/controlplane/server/api-handler.js';
import { SubjectAccessReviewAuthorizer } from '../../src/node/kubelet-api/authorization.js';
import { KubeClient } from '../../src/node/kube-client/client.js';
import { api, kubectl, kubectlSkip } from '../support/controlplane.js';

const dir = mkdtempSync(join(tmpdir(), 'hostpod-sar-'));
const requests: RequestLog[] = [];
let plane: ControlPlane;
before(async () => {
  plane = await ControlPlane.start({ dataDir: dir, host: '127.0.0.1', port: 0, logRequests: (entry) => requests.push(entry) });
});
after(async () => {
  await plane.stop();
  rmSync(dir, { recursive: true, force: true });
});

const SARS = '/apis/authorization.k8s.io/v1/subjectaccessreviews';
const review = (spec: Record<string, unknown>) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec });
const proxy = (user: string, groups: string[], verb = 'get') => review({ resourceAttributes: { verb, resource: 'nodes', subresource: 'proxy', name: 'n1', version: 'v1' }, user, groups });

describe('SubjectAccessReview', () => {
  test('answers with the API server\'s authorizer, and stores nothing', async () => {
    const bound = await api(plane, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'readers' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'default' }] },
    });
    assert.equal(bound.status, 201, bound.body);
    const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ['the API server\'s kubelet client may proxy to a node', proxy('kube-apiserver-kubelet-client', ['system:masters', 'system:authenticated']), { allowed: true }],
      ['a node may not proxy to a node', proxy('system:node:n2', ['system:nodes', 'system:authenticated'], 'create'), { allowed: false }],
      ['a node may not read a Secret its pods do not use', review({ resourceAttributes: { verb: 'get', resource: 'secrets', namespace: 'default', name: 's' }, user: 'system:node:n2', groups: ['system:nodes'] }),
        { allowed: false, reason: "no relationship found between node 'n2' and this object" }],
      ['a service account may not read its own namespace\'s pods unbound', review({ resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'team' }, user: 'system:serviceaccount:team:default', groups: ['system:serviceaccounts'] }), { allowed: false }],
      ['a service account may read what a RoleBinding grants it', review({ resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'default' }, user: 'system:serviceaccount:default:reader', groups: ['system:serviceaccounts'] }),
        { allowed: true, reason: 'RBAC: allowed by RoleBinding "readers/default" of ClusterRole "view" to ServiceAccount "reader/default"' }],
      ['a service account may not read another namespace\'s Secrets', review({ resourceAttributes: { verb: 'get', resource: 'secrets', namespace: 'kube-system' }, user: 'system:serviceaccount:team:default', groups: ['system:serviceaccounts'] }), { allowed: false }],
      ['anyone signed in may read /version', review({ nonResourceAttributes: { path: '/version', verb: 'get' }, user: 'someone', groups: ['system:authenticated'] }),
        { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"' }],
    ];
    for (const [what, body, status] of cases) {
      const response = await api(plane, 'POST', SARS, { body });
      assert.equal(response.status, 201, `${what}: ${response.body}`);
      const answered = response.json();
      assert.deepEqual(answered['status'], status, what);
      assert.deepEqual(answered['spec'], body['spec'], what);
      assert.equal(answered['kind'], 'SubjectAccessReview');
    }
    const list = await api(plane, 'GET', SARS);
    assert.equal(list.status, 405, list.body);
  });

  test('nodes and admins may ask; a service account may not', async () => {
    const pair = await issueCertificate(plane.pki.ca, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'client' });
    const node = new KubeClient({ server: plane.url, ca: plane.pki.ca.cert, insecureSkipTlsVerify: false, clientCert: pair.cert, clientKey: pair.key });
    try {
      const answered = await node.create<{ status: { allowed: boolean } }>(SARS, proxy('system:node:n1', ['system:nodes']));
      assert.equal(answered.status.allowed, false);
    } finally {
      node.close();
    }
    const issued = await api(plane, 'POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } });
    const token = (issued.json()['status'] as { token: string }).token;
    const refused = await api(plane, 'POST', SARS, { body: proxy('x', ['system:masters']), token });
    assert.equal(refused.status, 403);
    assert.equal(refused.json()['message'], 'subjectaccessreviews.authorization.k8s.io is forbidden: User "system:serviceaccount:default:default" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope');
  });

  test('refuses a review that names no user, or both kinds of attributes, as kube-apiserver does', async () => {
    const none = await api(plane, 'POST', SARS, { body: review({ resourceAttributes: { verb: 'get', resource: 'pods' } }) });
    assert.equal(none.status, 422);
    assert.equal(none.json()['message'], 'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified');
    const empty = await api(plane, 'POST', SARS, { body: review({ user: 'u' }) });
    assert.equal(empty.status, 422);
    assert.match(empty.json()['message'] as string, /exactly one of nonResourceAttributes or resourceAttributes must be specified/);
  });

  test('discovery lists the reviews as kube-apiserver does: authentication.k8s.io/v1 and authorization.k8s.io/v1, create only', async () => {
    const groups = (await api(plane, 'GET', '/apis')).json()['groups'] as { name: string }[];
    // The reviews' groups among the others (more groups are served as resources are added).
    assert.deepEqual(groups.map((g) => g.name).filter((g) => g.startsWith('auth')), ['authentication.k8s.io', 'authorization.k8s.io']);
    const resources = (await api(plane, 'GET', '/apis/authorization.k8s.io/v1')).json()['resources'];
    assert.deepEqual(resources, [
      { name: 'localsubjectaccessreviews', singularName: 'localsubjectaccessreview', namespaced: true, kind: 'LocalSubjectAccessReview', verbs: ['create'] },
      { name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] },
      { name: 'selfsubjectrulesreviews', singularName: 'selfsubjectrulesreview', namespaced: false, kind: 'SelfSubjectRulesReview', verbs: ['create'] },
      { name: 'subjectaccessreviews', singularName: 'subjectaccessreview', namespaced: false, kind: 'SubjectAccessReview', verbs: ['create'] },
    ]);
    const authentication = (await api(plane, 'GET', '/apis/authentication.k8s.io/v1')).json()['resources'];
    assert.deepEqual(authentication, [
      { name: 'selfsubjectreviews', singularName: 'selfsubjectreview', namespaced: false, kind: 'SelfSubjectReview', verbs: ['create'] },
      { name: 'tokenreviews', singularName: 'tokenreview', namespaced: false, kind: 'TokenReview', verbs: ['create'] },
    ]);
  });

  test('kubectl create -f of a SubjectAccessReview prints the answer', { skip: kubectlSkip('1.33') }, async () => {
    const file = join(dir, 'sar.json');
    writeFileSync(file, JSON.stringify(proxy('kube-apiserver-kubelet-client', ['system:masters'])));
    const result = await kubectl('1.33', plane.paths.kubeconfig)('create', '-f', file, '-o', 'jsonpath={.status.allowed}');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'true');
  });
});

describe('the kubelet endpoint\'s authorizer', () => {
  test('asks once, then keeps an allowed answer 5 minutes and a denied one 30 seconds', async () => {
    const pair = await issueCertificate(plane.pki.ca, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'client' });
    const client = new KubeClient({ server: plane.url, ca: plane.pki.ca.cert, insecureSkipTlsVerify: false, clientCert: pair.cert, clientKey: pair.key });
    let now = 1_000_000;
    const authorizer = new SubjectAccessReviewAuthorizer(client, () => now);
    const asked = () => requests.filter((r) => r.method === 'POST' && r.path === SARS && r.user === 'system:node:n1').length;
    const attributes = { verb: 'get', resource: 'nodes' as const, subresource: 'proxy', name: 'n1' };
    const apiServer = { name: 'kube-apiserver-kubelet-client', groups: ['system:masters', 'system:authenticated'] };
    const otherNode = { name: 'system:node:n2', groups: ['system:nodes', 'system:authenticated'] };
    try {
      const before = asked();
      assert.deepEqual(await Promise.all([authorizer.allowed(apiServer, attributes), authorizer.allowed(apiServer, attributes)]), [true, true]);
      assert.equal(asked() - before, 1, 'two concurrent questions, one review');
      now += 4 * 60_000;
      assert.equal(await authorizer.allowed(apiServer, attributes), true);
      assert.equal(asked() - before, 1, 'an allowed answer is kept for 5 minutes');
      now += 61_000;
      assert.equal(await authorizer.allowed(apiServer, attributes), true);
      assert.equal(asked() - before, 2);

      assert.equal(await authorizer.allowed(otherNode, attributes), false);
      now += 29_000;
      assert.equal(await authorizer.allowed(otherNode, attributes), false);
      assert.equal(asked() - before, 3, 'a denied answer is kept for 30 seconds');
      now += 2_000;
      assert.equal(await authorizer.allowed(otherNode, attributes), false);
      assert.equal(asked() - before, 4);
    } finally {
      client.close();
    }
  });
});

describe('SelfSubjectAccessReview and SelfSubjectReview', () => {
  const SSARS = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
  const self = (spec: Record<string, unknown>) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec });
  let token: string;
  before(async () => {
    await api(plane, 'POST', '/api/v1/namespaces/default/serviceaccounts', { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'asker' } } });
    const issued = await api(plane, 'POST', '/api/v1/namespaces/default/serviceaccounts/asker/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } });
    token = (issued.json()['status'] as { token: string }).token;
  });

  test('self access review answers for the user who asks, which any user may', async () => {
    const discovery = 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"';
    const cases: [string, string | undefined, Record<string, unknown>, Record<string, unknown>][] = [
      ['the admin may list pods anywhere', undefined, { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'kube-system' } }, { allowed: true }],
      ['a service account bound to nothing may not list its own namespace\'s configmaps', token, { resourceAttributes: { verb: 'list', resource: 'configmaps', namespace: 'default' } }, { allowed: false }],
      ['a service account may not list another namespace\'s pods', token, { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'kube-system' } }, { allowed: false }],
      ['a service account may read /healthz', token, { nonResourceAttributes: { verb: 'get', path: '/healthz' } }, { allowed: true, reason: discovery }],
    ];
    for (const [what, as, spec, status] of cases) {
      const response = await api(plane, 'POST', SSARS, { body: self(spec), ...(as === undefined ? {} : { token: as }) });
      assert.equal(response.status, 201, `${what}: ${response.body}`);
      assert.deepEqual(response.json()['status'], status, what);
      assert.equal(response.json()['kind'], 'SelfSubjectAccessReview');
    }
    const invalid = await api(plane, 'POST', SSARS, { body: self({}), token });
    assert.equal(invalid.status, 422);
    assert.match(invalid.json()['message'] as string, /^SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: .*exactly one of nonResourceAttributes or resourceAttributes must be specified/);
  });

  test('self subject review says who asks: a token\'s account and its credential id, a certificate\'s name, groups and fingerprint', async () => {
    const asAccount = await api(plane, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, token });
    assert.equal(asAccount.status, 201, asAccount.body);
    const jti = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;
    const account = (await api(plane, 'GET', '/api/v1/namespaces/default/serviceaccounts/asker')).json()['metadata'] as { uid: string };
    assert.deepEqual((asAccount.json()['status'] as { userInfo: unknown }).userInfo, {
      username: 'system:serviceaccount:default:asker', uid: account.uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${jti}`] },
    });
    const pair = await issueCertificate(plane.pki.ca, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'client' });
    const node = new KubeClient({ server: plane.url, ca: plane.pki.ca.cert, insecureSkipTlsVerify: false, clientCert: pair.cert, clientKey: pair.key });
    try {
      const answered = await node.create<{ status: { userInfo: { username: string; groups: string[]; extra: Record<string, string[]> } } }>('/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
      assert.equal(answered.status.userInfo.username, 'system:node:n1');
      assert.deepEqual(answered.status.userInfo.groups, ['system:nodes', 'system:authenticated']);
      assert.match(answered.status.userInfo.extra['authentication.kubernetes.io/credential-id']![0]!, /^X509SHA256=[0-9a-f]{64}$/);
    } finally {
      node.close();
    }
  });
});
