/**
 * The one source of a pod's ConfigMaps and Secrets: Secrets decoded from base64 once, for volumes
 * and environment alike; a container's environment gets a ConfigMap's data (not its binaryData)
 * and a Secret's keys as text; watched objects are used (and held by the pod) when the node has them.
 */
import type { V1Pod } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiObjectSource } from '../../src/node/api-objects.js';
import type { KubeClient } from '../../src/node/kube-client/client.js';
import type { WatchedObjects } from '../../src/node/volumes/watched-objects.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

const objects: Record<string, unknown> = {
  '/api/v1/namespaces/shop/configmaps/settings': { data: { MODE: 'fast' }, binaryData: { blob: b64('\u0000bin') } },
  '/api/v1/namespaces/shop/secrets/creds': { data: { user: b64('admin'), password: b64('p@ss\nword') } },
  '/api/v1/namespaces/shop/secrets/empty': { type: 'Opaque' },
};

function client(reads: string[]): KubeClient {
  return { find: (path: string) => (reads.push(path), Promise.resolve(objects[path])) } as unknown as KubeClient;
}

const pod: V1Pod = { metadata: { name: 'web', namespace: 'shop', uid: 'uid-1' } };

test('a Secret is decoded from base64; one without data has no keys; a missing one is undefined', async () => {
  const source = new ApiObjectSource(client([]));
  const creds = await source.secret('shop', 'creds', 'uid-1');
  assert.deepEqual([...(creds ?? [])].map(([k, v]) => [k, v.toString()]), [['user', 'admin'], ['password', 'p@ss\nword']]);
  assert.deepEqual(await source.secret('shop', 'empty', 'uid-1'), new Map());
  assert.equal(await source.secret('shop', 'absent', 'uid-1'), undefined);
});

test('a container environment reads the ConfigMaps and Secrets it refers to, once each', async () => {
  const reads: string[] = [];
  const source = new ApiObjectSource(client(reads));
  const env = await source.environment(pod, {
    name: 'app',
    envFrom: [{ configMapRef: { name: 'settings' } }, { secretRef: { name: 'creds' } }],
    env: [
      { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
      { name: 'GONE', valueFrom: { configMapKeyRef: { name: 'absent', key: 'x', optional: true } } },
    ],
  }, { KUBERNETES_SERVICE_HOST: '10.0.0.1' });
  assert.deepEqual(env.configMap('settings'), { MODE: 'fast' }, 'data only: the kubelet reads no binaryData into variables');
  assert.deepEqual(env.secret('creds'), { user: 'admin', password: 'p@ss\nword' });
  assert.equal(env.configMap('absent'), undefined);
  assert.deepEqual(env.serviceEnv, { KUBERNETES_SERVICE_HOST: '10.0.0.1' });
  assert.deepEqual(reads.sort(), ['/api/v1/namespaces/shop/configmaps/absent', '/api/v1/namespaces/shop/configmaps/settings', '/api/v1/namespaces/shop/secrets/creds']);
});

test('with the node\'s watched objects, reads go through them, held by the pod', async () => {
  const reads: string[] = [];
  const held: string[] = [];
  const watched = {
    get: (resource: string, namespace: string, name: string, holder: string) => {
      held.push(`${resource}/${namespace}/${name} by ${holder}`);
      return Promise.resolve(objects[`/api/v1/namespaces/${namespace}/${resource}/${name}`]);
    },
  } as unknown as WatchedObjects;
  const source = new ApiObjectSource(client(reads), watched);
  const env = await source.environment(pod, { name: 'app', envFrom: [{ secretRef: { name: 'creds' } }] }, {});
  assert.deepEqual(env.secret('creds'), { user: 'admin', password: 'p@ss\nword' });
  assert.deepEqual(held, ['secrets/shop/creds by uid-1']);
  assert.deepEqual(reads, [], 'no direct read when the node watches');
});
