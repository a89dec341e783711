/**
 * TokenRequest (`serviceaccounts/NAME/token`), as kube-apiserver's TokenREST answers it: a token
 * bound to a pod of the account, a Secret or a Node lives as long as that object; the refusals
 * carry upstream's messages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { registerNode } from '../support/kubelet-stand-in.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
  await api(s.plane, 'POST', '/api/v1/namespaces/default/serviceaccounts', { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } } });
});
after(async () => {
  await s.stop();
});

const request = (ref?: Record<string, string>, expirationSeconds?: number) => api(s.plane, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', {
  body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { ...(ref ? { boundObjectRef: ref } : {}), ...(expirationSeconds ? { expirationSeconds } : {}) } },
});
const claims = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
// Whether a token authenticates: /version is open to every signed-in user (RBAC's system:public-info-viewer).
const works = async (token: string): Promise<number> => (await api(s.plane, 'GET', '/version', { token })).status;

describe('token request', () => {
  test('token request binds a token to a Secret, which dies with it', async () => {
    const secret = (await api(s.plane, 'POST', '/api/v1/namespaces/default/secrets', { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bound' } } })).json();
    const issued = await request({ apiVersion: 'v1', kind: 'Secret', name: 'bound' });
    assert.equal(issued.status, 201, issued.body);
    const token = (issued.json()['status'] as { token: string }).token;
    assert.deepEqual((claims(token)['kubernetes.io'] as { secret: unknown }).secret, { name: 'bound', uid: (secret['metadata'] as { uid: string }).uid });
    assert.equal(await works(token), 200);
    await api(s.plane, 'DELETE', '/api/v1/namespaces/default/secrets/bound');
    assert.equal(await works(token), 401);
  });

  test('token request binds a token to a Node, which dies with it', async () => {
    await registerNode(s.plane, 'n1');
    const issued = await request({ apiVersion: 'v1', kind: 'Node', name: 'n1' });
    assert.equal(issued.status, 201, issued.body);
    const token = (issued.json()['status'] as { token: string }).token;
    assert.equal((claims(token)['kubernetes.io'] as { node: { name: string } }).node.name, 'n1');
    assert.equal(await works(token), 200);
    await api(s.plane, 'DELETE', '/api/v1/nodes/n1');
    assert.equal(await works(token), 401);
  });

  const refusals: [string, Record<string, string> | undefined, number | undefined, number, string][] = [
    ['a missing secret', { apiVersion: 'v1', kind: 'Secret', name: 'nope' }, undefined, 404, 'secrets "nope" not found'],
    ['a missing node', { apiVersion: 'v1', kind: 'Node', name: 'nope' }, undefined, 404, 'nodes "nope" not found'],
    ['another kind', { apiVersion: 'v1', kind: 'ConfigMap', name: 'x' }, undefined, 400, 'cannot bind token to object of type /v1, Kind=ConfigMap'],
    ['a duration under 10 minutes', undefined, 1, 422, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 1: may not specify a duration less than 10 minutes'],
  ];
  for (const [what, ref, seconds, code, message] of refusals) {
    test(`token request refuses ${what} as kube-apiserver does`, async () => {
      const refused = await request(ref, seconds);
      assert.equal(refused.status, code, refused.body);
      assert.equal(refused.json()['message'], message);
    });
  }

  test('token request refuses a binding whose uid is not the object\'s with 409', async () => {
    await api(s.plane, 'POST', '/api/v1/namespaces/default/secrets', { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'other' } } });
    const refused = await request({ apiVersion: 'v1', kind: 'Secret', name: 'other', uid: 'not-its-uid' });
    assert.equal(refused.status, 409, refused.body);
    assert.equal(refused.json()['message'], 'Operation cannot be fulfilled on Secret "other": the UID in the bound object reference (not-its-uid) does not match the UID in record. The object might have been deleted and then recreated');
  });
});
