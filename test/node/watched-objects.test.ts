/**
 * The node's watched ConfigMaps and Secrets against `hostpod up`'s control plane: one list and one
 * watch per object, shared by the pods that use it, current without polling, ended on release.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KubeClient } from '../../src/node/kube-client/client.js';
import { loadKubeconfig } from '../../src/node/kube-client/kubeconfig.js';
import { WatchedObjects } from '../../src/node/volumes/watched-objects.js';
import { eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let started: StartedPlane;
let client: KubeClient;
const requests: string[] = [];
let counted: KubeClient;
before(async () => {
  started = await startControlPlane();
  client = new KubeClient(loadKubeconfig(started.kubeconfig));
  // The client the watcher uses, recording each request it makes.
  counted = new Proxy(client, {
    get(target, property) {
      if (property === 'get') return (path: string, query?: Record<string, string>) => (requests.push(`list ${path}?${query?.['fieldSelector'] ?? ''}`), target.get(path, query));
      if (property === 'watch') {
        return (path: string, query: Record<string, string | number | boolean | undefined>, onEvent: never, signal?: AbortSignal) => (requests.push(`watch ${path}?${String(query['fieldSelector'])}`), target.watch(path, query, onEvent, signal));
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
});
after(async () => {
  client.close();
  await started.stop();
});

type ConfigMap = { data?: Record<string, string> };

test('one list and one watch per object, shared by its pods; changes arrive without a request; release ends the watch', async () => {
  await client.create('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' }, data: { color: 'blue' } });
  const warnings: string[] = [];
  const objects = new WatchedObjects(counted, (_level, message) => warnings.push(message));
  try {
    assert.deepEqual((await objects.get<ConfigMap>('configmaps', 'default', 'shared', 'pod-a'))?.data, { color: 'blue' });
    assert.deepEqual((await objects.get<ConfigMap>('configmaps', 'default', 'shared', 'pod-b'))?.data, { color: 'blue' });
    assert.equal(await objects.get('secrets', 'default', 'absent', 'pod-a'), undefined, 'a missing object is undefined, not an error');
    await eventually(() => (requests.filter((r) => r.startsWith('watch')).length === 2 ? true : undefined), 2000, 'the watches');
    assert.deepEqual(requests.sort(), [
      'list /api/v1/namespaces/default/configmaps?metadata.name=shared',
      'list /api/v1/namespaces/default/secrets?metadata.name=absent',
      'watch /api/v1/namespaces/default/configmaps?metadata.name=shared',
      'watch /api/v1/namespaces/default/secrets?metadata.name=absent',
    ]);
    requests.length = 0;

    await client.mergePatch('/api/v1/namespaces/default/configmaps/shared', { data: { color: 'green' } });
    await eventually(async () => ((await objects.get<ConfigMap>('configmaps', 'default', 'shared', 'pod-a'))?.data?.['color'] === 'green' ? true : undefined), 5000, 'the change');
    await client.create('/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'absent' }, stringData: { pw: 'x' } });
    await eventually(async () => ((await objects.get('secrets', 'default', 'absent', 'pod-a')) !== undefined ? true : undefined), 5000, 'the created secret');
    await client.delete('/api/v1/namespaces/default/configmaps/shared');
    await eventually(async () => ((await objects.get('configmaps', 'default', 'shared', 'pod-b')) === undefined ? true : undefined), 5000, 'the deletion');
    assert.deepEqual(requests, [], 'no request: the watches brought every change');

    // pod-a goes: the secret only it used is no longer watched; pod-b keeps the configmap.
    objects.release('pod-a');
    await client.create('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' }, data: { color: 'red' } });
    await eventually(async () => ((await objects.get<ConfigMap>('configmaps', 'default', 'shared', 'pod-b'))?.data?.['color'] === 'red' ? true : undefined), 5000, 'pod-b still served');
    assert.deepEqual((await objects.get<{ data: Record<string, string> }>('secrets', 'default', 'absent', 'pod-c'))?.data, { pw: 'eA==' });
    assert.deepEqual(requests, ['list /api/v1/namespaces/default/secrets?metadata.name=absent', 'watch /api/v1/namespaces/default/secrets?metadata.name=absent'], 'released, then listed anew for the next pod');
    assert.deepEqual(warnings, []);
  } finally {
    objects.stop();
  }
});
