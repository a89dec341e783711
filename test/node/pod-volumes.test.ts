/**
 * A pod's API-backed volumes on disk: the default kube-api-access volume gets its token from a
 * TokenRequest bound to the pod, keeps it until 80% of its lifetime has passed, then replaces it
 * with a fresh one; a missing ConfigMap fails the setup with the kubelet's wording.
 */
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { KubeClient } from '../../src/node/kube-client/client.js';
import { PodVolumes } from '../../src/node/volumes/pod-volumes.js';

const dir = mkdtempSync(join(tmpdir(), 'hostpod-pod-volumes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const pod: V1Pod = {
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1' },
  spec: {
    serviceAccountName: 'robot',
    containers: [{ name: 'c' }],
    volumes: [{
      name: 'kube-api-access-abcde',
      projected: {
        defaultMode: 0o644,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    }],
  },
};

/** The API as the agent sees it: TokenRequests answered with numbered tokens, one ConfigMap. */
function fakeClient(requests: { path: string; body: Record<string, unknown> }[], issuedAt: () => number): KubeClient {
  return {
    find: (path: string) => Promise.resolve(path === '/api/v1/namespaces/shop/configmaps/kube-root-ca.crt' ? { data: { 'ca.crt': 'PEM' } } : undefined),
    create: (path: string, body: Record<string, unknown>) => {
      requests.push({ path, body });
      const spec = body['spec'] as { expirationSeconds: number };
      return Promise.resolve({ status: { token: `token-${requests.length}`, expirationTimestamp: new Date(issuedAt() + spec.expirationSeconds * 1000).toISOString() } });
    },
  } as unknown as KubeClient;
}

test('the token is requested bound to the pod, kept until 80% of its life, then replaced', async () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const requests: { path: string; body: Record<string, unknown> }[] = [];
  const volumes = new PodVolumes(fakeClient(requests, () => now), join(dir, 'pod'), '10.0.0.5', () => now);
  const dirs = await volumes.sync(pod);
  const volume = dirs.get('kube-api-access-abcde')!;
  assert.equal(volume, join(dir, 'pod', 'volumes', 'kubernetes.io~projected', 'kube-api-access-abcde'));
  assert.equal(readFileSync(join(volume, 'token'), 'utf8'), 'token-1');
  assert.equal(readFileSync(join(volume, 'ca.crt'), 'utf8'), 'PEM');
  assert.equal(readFileSync(join(volume, 'namespace'), 'utf8'), 'shop');
  assert.equal(requests[0]!.path, '/api/v1/namespaces/shop/serviceaccounts/robot/token');
  assert.deepEqual((requests[0]!.body['spec'] as Record<string, unknown>)['boundObjectRef'], { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'u-1' });

  now += 2800 * 1000; // 78% of 3607 s
  await volumes.sync(pod);
  assert.equal(readFileSync(join(volume, 'token'), 'utf8'), 'token-1', 'still fresh: kept');
  assert.equal(requests.length, 1);

  now += 100 * 1000; // past 80%
  await volumes.sync(pod);
  assert.equal(readFileSync(join(volume, 'token'), 'utf8'), 'token-2', 'replaced before it expires');
});

test("a ConfigMap that does not exist fails the volume's setup with the kubelet's message", async () => {
  const volumes = new PodVolumes(fakeClient([], () => Date.now()), join(dir, 'pod2'), '10.0.0.5');
  const withMissing: V1Pod = { ...pod, spec: { ...pod.spec!, volumes: [{ name: 'cfg', configMap: { name: 'settings' } }] } };
  await assert.rejects(volumes.sync(withMissing), /^Error: configmap "settings" not found$/);
});
