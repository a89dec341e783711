/**
 * The Node authorizer: a node reads only its own Node, the pods bound to it, and the Secrets,
 * ConfigMaps and service-account tokens those pods refer to; a token it requests is bound to
 * one of its pods (NodeRestriction). One node's credential is not the whole cluster's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { issueCertificate } from '../../src/pki.js';
import { ApiError, KubeClient } from '../../src/node/kube-client/client.js';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let started: StartedPlane;
let n1: KubeClient;
const uids = new Map<string, string>();

async function create(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const created = await api(started.plane, 'POST', path, { body });
  assert.equal(created.status, 201, created.body);
  return created.json();
}

before(async () => {
  started = await startControlPlane();
  const pair = await issueCertificate(started.plane.pki.ca, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'client' });
  n1 = new KubeClient({ server: started.plane.url, ca: started.plane.pki.ca.cert, insecureSkipTlsVerify: false, clientCert: pair.cert, clientKey: pair.key });
  for (const node of ['n1', 'n2']) await create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: node } });
  for (const ns of ['team', 'elsewhere']) await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (const sa of ['runner', 'other-sa']) await create('/api/v1/namespaces/team/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa } });
  for (const name of ['s-vol', 's-proj', 's-env', 's-envfrom', 's-pull', 's-theirs']) {
    await create('/api/v1/namespaces/team/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { k: 'v' } });
  }
  await create('/api/v1/namespaces/elsewhere/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'top' }, stringData: { k: 'v' } });
  for (const name of ['cm-vol', 'cm-proj', 'cm-env', 'cm-theirs']) {
    await create('/api/v1/namespaces/team/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' } });
  }
  const container = (extra: Record<string, unknown> = {}) => ({ name: 'c', image: 'busybox', ...extra });
  const pods: [string, string, string, Record<string, unknown>][] = [
    ['mine', 'n1', 'runner', {
      imagePullSecrets: [{ name: 's-pull' }],
      containers: [container({
        env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's-env', key: 'k' } } }, { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm-env', key: 'k' } } }],
        envFrom: [{ secretRef: { name: 's-envfrom' } }],
      })],
      volumes: [
        { name: 'a', secret: { secretName: 's-vol' } },
        { name: 'b', configMap: { name: 'cm-vol' } },
        { name: 'c', projected: { sources: [{ secret: { name: 's-proj' } }, { configMap: { name: 'cm-proj' } }] } },
      ],
    }],
    ['theirs', 'n2', 'other-sa', { containers: [container()], volumes: [{ name: 'a', secret: { secretName: 's-theirs' } }, { name: 'b', configMap: { name: 'cm-theirs' } }] }],
    ['theirs-runner', 'n2', 'runner', { containers: [container()] }],
  ];
  for (const [name, nodeName, serviceAccountName, spec] of pods) {
    const pod = await create('/api/v1/namespaces/team/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, serviceAccountName, ...spec } });
    uids.set(name, (pod['metadata'] as { uid: string }).uid);
  }
});
after(async () => {
  n1.close();
  await started.stop();
});

async function answer(request: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await request;
    return { code: 200, message: '' };
  } catch (error) {
    if (error instanceof ApiError) return { code: error.code, message: error.message };
    throw error;
  }
}

const NO_RELATION = "no relationship found between node 'n1' and this object";
/** A TokenRequest by n1, bound as `ref` says once the pods exist. */
const token = (account: string, ref?: () => Record<string, unknown>) => () => n1.create(`/api/v1/namespaces/team/serviceaccounts/${account}/token`, {
  apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { ...(ref ? { boundObjectRef: ref() } : {}) },
});
/** A bound object reference to a pod, with its uid (or the one given; none for null). */
const bound = (pod: string, uid?: string | null) => () => ({ apiVersion: 'v1', kind: 'Pod', name: pod, ...(uid === null ? {} : { uid: uid ?? uids.get(pod) }) });

describe('the Node authorizer', () => {
  const rows: [string, () => Promise<unknown>, number, string?][] = [
    ...['s-vol', 's-proj', 's-env', 's-envfrom', 's-pull'].map((name): [string, () => Promise<unknown>, number] => [`get Secret ${name}, which its pod refers to`, () => n1.get(`/api/v1/namespaces/team/secrets/${name}`), 200]),
    ...['cm-vol', 'cm-proj', 'cm-env', 'kube-root-ca.crt'].map((name): [string, () => Promise<unknown>, number] => [`get ConfigMap ${name}, which its pod refers to`, () => n1.get(`/api/v1/namespaces/team/configmaps/${name}`), 200]),
    ['watch one Secret its pod refers to', () => n1.get('/api/v1/namespaces/team/secrets', { fieldSelector: 'metadata.name=s-vol', limit: 1 }), 200],
    ['get a Secret only another node\'s pod refers to', () => n1.get('/api/v1/namespaces/team/secrets/s-theirs'), 403,
      `secrets "s-theirs" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "team": ${NO_RELATION}`],
    ['get a Secret of another namespace', () => n1.get('/api/v1/namespaces/elsewhere/secrets/top'), 403,
      `secrets "top" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "elsewhere": ${NO_RELATION}`],
    ['get a ConfigMap only another node\'s pod refers to', () => n1.get('/api/v1/namespaces/team/configmaps/cm-theirs'), 403,
      `configmaps "cm-theirs" is forbidden: User "system:node:n1" cannot get resource "configmaps" in API group "" in the namespace "team": ${NO_RELATION}`],
    ['list the Secrets of a namespace', () => n1.get('/api/v1/namespaces/team/secrets'), 403,
      'secrets is forbidden: User "system:node:n1" cannot list resource "secrets" in API group "" in the namespace "team": No Object name found'],
    ['list every Secret', () => n1.get('/api/v1/secrets'), 403,
      'secrets is forbidden: User "system:node:n1" cannot list resource "secrets" in API group "" at the cluster scope: can only read namespaced object of this type'],
    ['change a Secret its pod refers to', () => n1.mergePatch('/api/v1/namespaces/team/secrets/s-vol', { stringData: { k: 'w' } }), 403,
      'secrets "s-vol" is forbidden: User "system:node:n1" cannot patch resource "secrets" in API group "" in the namespace "team": can only read resources of this type'],
    ['get a service account', () => n1.get('/api/v1/namespaces/team/serviceaccounts/runner'), 403,
      'serviceaccounts "runner" is forbidden: User "system:node:n1" cannot get resource "serviceaccounts" in API group "" in the namespace "team": can only create tokens for individual service accounts'],
    ['request a token bound to its pod', token('runner', bound('mine')), 200],
    ['request a token bound to no pod', token('runner'), 403, 'serviceaccounts "runner" is forbidden: node requested token not bound to a pod'],
    ['request a token bound to a pod without its uid', token('runner', bound('mine', null)), 403,
      'serviceaccounts "runner" is forbidden: node requested token with a pod binding without a uid'],
    ['request a token bound to a pod by a stale uid', token('runner', bound('mine', 'a-stale-uid')), 403,
      'serviceaccounts "runner" is forbidden: the UID in the bound object reference (a-stale-uid) does not match the UID in record. The object might have been deleted and then recreated'],
    ['request a token bound to another node\'s pod', token('runner', bound('theirs-runner')), 403,
      'serviceaccounts "runner" is forbidden: node requested token bound to a pod scheduled on a different node'],
    ['request a token bound to a pod that does not exist', token('runner', bound('ghost', 'x')), 404, 'pods "ghost" not found'],
    ['request a token for an account only another node\'s pods run as', token('other-sa', bound('theirs')), 403,
      `serviceaccounts "other-sa" is forbidden: User "system:node:n1" cannot create resource "serviceaccounts/token" in API group "" in the namespace "team": ${NO_RELATION}`],
    ['request a token for an account of another namespace', () => n1.create('/api/v1/namespaces/elsewhere/serviceaccounts/default/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }), 403,
      `serviceaccounts "default" is forbidden: User "system:node:n1" cannot create resource "serviceaccounts/token" in API group "" in the namespace "elsewhere": ${NO_RELATION}`],
    ['get its own Node', () => n1.get('/api/v1/nodes/n1'), 200],
    ['list its own Node by name', () => n1.get('/api/v1/nodes', { fieldSelector: 'metadata.name=n1' }), 200],
    ['get another Node', () => n1.get('/api/v1/nodes/n2'), 403,
      'nodes "n2" is forbidden: User "system:node:n1" cannot get resource "nodes" in API group "" at the cluster scope: node \'n1\' cannot read \'n2\', only its own Node object'],
    ['list every Node', () => n1.get('/api/v1/nodes'), 403,
      'nodes is forbidden: User "system:node:n1" cannot list resource "nodes" in API group "" at the cluster scope: node \'n1\' cannot read all nodes, only its own Node object'],
    ['list the pods bound to it', () => n1.get('/api/v1/pods', { fieldSelector: 'spec.nodeName=n1' }), 200],
    ['get its own pod', () => n1.get('/api/v1/namespaces/team/pods/mine'), 200],
    ['list every pod', () => n1.get('/api/v1/pods'), 403,
      'pods is forbidden: User "system:node:n1" cannot list resource "pods" in API group "" at the cluster scope: can only list/watch pods with spec.nodeName field selector'],
    ['list another node\'s pods', () => n1.get('/api/v1/pods', { fieldSelector: 'spec.nodeName=n2' }), 403,
      'pods is forbidden: User "system:node:n1" cannot list resource "pods" in API group "" at the cluster scope: can only list/watch pods with spec.nodeName field selector'],
    ['get another node\'s pod', () => n1.get('/api/v1/namespaces/team/pods/theirs'), 403,
      `pods "theirs" is forbidden: User "system:node:n1" cannot get resource "pods" in API group "" in the namespace "team": ${NO_RELATION}`],
  ];
  for (const [action, request, code, message] of rows) {
    test(`a node may ${code === 200 ? '' : 'not '}${action}`, async () => {
      const got = await answer(request());
      assert.equal(got.code, code, got.message);
      if (message !== undefined) assert.equal(got.message, message);
    });
  }

  test('a token bound to a pod names its node, and dies with the pod', async () => {
    const issued = await n1.create<{ status: { token: string } }>('/api/v1/namespaces/team/serviceaccounts/runner/token', {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { boundObjectRef: bound('mine')() },
    });
    const claims = JSON.parse(Buffer.from(issued.status.token.split('.')[1]!, 'base64url').toString()) as { 'kubernetes.io': { pod: { name: string }; node: { name: string } } };
    assert.equal(claims['kubernetes.io'].pod.name, 'mine');
    assert.equal(claims['kubernetes.io'].node.name, 'n1');
    // The token authenticates (a service account bound to no role may still read /version).
    assert.equal((await api(started.plane, 'GET', '/version', { token: issued.status.token })).status, 200);
  });

  test('even the admin cannot bind an account\'s token to a pod that runs as another account', async () => {
    const response = await api(started.plane, 'POST', '/api/v1/namespaces/team/serviceaccounts/runner/token', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { boundObjectRef: bound('theirs')() } },
    });
    assert.equal(response.status, 400);
    assert.equal(response.json()['message'], 'cannot bind token for serviceaccount "runner" to pod running with different serviceaccount name.');
  });
});
