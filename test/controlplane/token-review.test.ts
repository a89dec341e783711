/**
 * TokenReview (`authentication.k8s.io/v1`): `hostpod up` answers "whose token is this?" with its
 * own token authentication, as kube-apiserver does, for whoever RBAC lets create TokenReviews
 * (system:auth-delegator, nodes); the kubelet endpoint's authenticator asks it and keeps the
 * answers as the kubelet does.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { issueCertificate } from '../../src/pki.js';
import { ControlPlane } from '../../src/controlplane/control-plane.js';
import type { RequestLog } from '../../src/controlplane/server/api-handler.js';
import { TokenReviewAuthenticator } from '../../src/node/kubelet-api/authentication.js';
import { KubeClient } from '../../src/node/kube-client/client.js';
import { api } from '../support/controlplane.js';

const dir = mkdtempSync(join(tmpdir(), 'hostpod-token-review-'));
const requests: RequestLog[] = [];
let plane: ControlPlane;
const REVIEWS = '/apis/authentication.k8s.io/v1/tokenreviews';
const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const review = (spec: Record<string, unknown>) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec });

/** A new service account in `default` and a token of it. */
async function accountToken(name: string): Promise<{ token: string; uid: string }> {
  const account = await api(plane, 'POST', '/api/v1/namespaces/default/serviceaccounts', { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } } });
  assert.equal(account.status, 201, account.body);
  const issued = await api(plane, 'POST', `/api/v1/namespaces/default/serviceaccounts/${name}/token`, { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } });
  assert.equal(issued.status, 201, issued.body);
  return { token: (issued.json()['status'] as { token: string }).token, uid: (account.json()['metadata'] as { uid: string }).uid };
}

before(async () => {
  plane = await ControlPlane.start({ dataDir: dir, host: '127.0.0.1', port: 0, logRequests: (entry) => requests.push(entry) });
});
after(async () => {
  await plane.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('TokenReview', () => {
  test('a service account\'s token is its account, with the API server\'s audience; nothing is stored', async () => {
    const { token, uid } = await accountToken('reviewed');
    const response = await api(plane, 'POST', REVIEWS, { body: review({ token }) });
    assert.equal(response.status, 201, response.body);
    const body = response.json() as { kind: string; spec: unknown; status: { authenticated: boolean; user: { username: string; uid: string; groups: string[]; extra: Record<string, string[]> }; audiences: string[] } };
    assert.equal(body.kind, 'TokenReview');
    assert.deepEqual(body.spec, { token });
    assert.equal(body.status.authenticated, true);
    assert.deepEqual({ ...body.status.user, extra: Object.keys(body.status.user.extra) }, {
      username: 'system:serviceaccount:default:reviewed', uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
      extra: ['authentication.kubernetes.io/credential-id'],
    });
    assert.deepEqual(body.status.audiences, [ISSUER]);
    assert.equal((await api(plane, 'GET', REVIEWS)).status, 405);
  });

  test('every token names its signing key as kube-apiserver does: kid is the SHA-256 of the public key\'s PKIX DER, base64url', async () => {
    const publicDer = createPublicKey(readFileSync(join(dir, 'pki', 'service-account.key'), 'utf8')).export({ type: 'spki', format: 'der' });
    const expected = createHash('sha256').update(publicDer).digest('base64url');
    for (const name of ['kid-one', 'kid-two']) {
      const { token } = await accountToken(name);
      const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
      assert.deepEqual(header, { alg: 'ES256', kid: expected });
    }
  });

  test('a token that is none, or for another audience, is answered unauthenticated (201); no token is a 400', async () => {
    const { token } = await accountToken('other-audience');
    const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ['not a token', { token: 'not-a-token' }, { user: {}, error: 'invalid bearer token' }],
      ['another audience', { token, audiences: ['vault'] }, { user: {}, error: `token audiences ["${ISSUER}"] is invalid for the target audiences ["vault"]` }],
    ];
    for (const [name, spec, status] of cases) {
      const response = await api(plane, 'POST', REVIEWS, { body: review(spec) });
      assert.equal(response.status, 201, `${name}: ${response.body}`);
      assert.deepEqual(response.json()['status'], status, name);
    }
    const both = await api(plane, 'POST', REVIEWS, { body: review({ token, audiences: ['vault', ISSUER] }) });
    assert.deepEqual((both.json()['status'] as { audiences: string[] }).audiences, [ISSUER]);
    const empty = await api(plane, 'POST', REVIEWS, { body: review({}) });
    assert.equal(empty.status, 400);
    assert.equal(empty.json()['message'], 'token is required for TokenReview in authentication');
  });

  test('nodes and system:auth-delegator may review tokens; other users are refused', async () => {
    const { token } = await accountToken('asker');
    const refused = await api(plane, 'POST', REVIEWS, { token, body: review({ token }) });
    assert.equal(refused.status, 403, refused.body);
    assert.match(refused.json()['message'] as string, /cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope/);
    const bound = await api(plane, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'asker-auth-delegator' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' }, subjects: [{ kind: 'ServiceAccount', name: 'asker', namespace: 'default' }] },
    });
    assert.equal(bound.status, 201, bound.body);
    const allowed = await api(plane, 'POST', REVIEWS, { token, body: review({ token }) });
    assert.equal(allowed.status, 201, allowed.body);
    assert.equal((allowed.json()['status'] as { authenticated: boolean }).authenticated, true);
  });
});

describe('the kubelet endpoint\'s token authenticator', () => {
  test('asks with the node\'s credential once, then keeps an answer 2 minutes, authenticated or not', async () => {
    const pair = await issueCertificate(plane.pki.ca, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'client' });
    const client = new KubeClient({ server: plane.url, ca: plane.pki.ca.cert, insecureSkipTlsVerify: false, clientCert: pair.cert, clientKey: pair.key });
    let now = 1_000_000;
    const authenticator = new TokenReviewAuthenticator(client, () => now);
    const asked = () => requests.filter((r) => r.method === 'POST' && r.path === REVIEWS && r.user === 'system:node:n1' && r.code === 201).length;
    try {
      const { token } = await accountToken('cached');
      const before = asked();
      const [first, second] = await Promise.all([authenticator.authenticate(token), authenticator.authenticate(token)]);
      assert.equal(asked() - before, 1, 'two concurrent questions, one review');
      assert.equal(first?.name, 'system:serviceaccount:default:cached');
      assert.deepEqual(second, first);
      assert.deepEqual(first.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);

      // The account goes; its token is taken until the answer is 2 minutes old.
      assert.equal((await api(plane, 'DELETE', '/api/v1/namespaces/default/serviceaccounts/cached')).status, 200);
      now += 119_000;
      assert.equal((await authenticator.authenticate(token))?.name, 'system:serviceaccount:default:cached');
      assert.equal(asked() - before, 1);
      now += 2_000;
      assert.equal(await authenticator.authenticate(token), undefined);
      assert.equal(asked() - before, 2);

      // An unauthenticated answer is kept as long.
      assert.equal(await authenticator.authenticate('not-a-token'), undefined);
      now += 119_000;
      assert.equal(await authenticator.authenticate('not-a-token'), undefined);
      assert.equal(asked() - before, 3);
    } finally {
      client.close();
    }
  });
});
