/**
 * ConfigMaps and Secrets validated as kube-apiserver 1.36 validates them (each message recorded
 * from its answer): keys, the 1 MiB limit and the 256 KiB of annotations, each Secret type's
 * required keys, and the updates an immutable object or a Secret's type refuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
});
after(async () => {
  await s.stop();
});

const CMS = '/api/v1/namespaces/default/configmaps';
const SECRETS = '/api/v1/namespaces/default/secrets';
const configMap = (name: string, fields: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, ...fields });
const secret = (name: string, type: string, stringData: Record<string, string>, metadata: Record<string, unknown> = {}) =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, ...metadata }, type, stringData });

describe('configmap and secret validation', () => {
  const creates: [string, string, unknown, string][] = [
    ['a key that starts with ..', CMS, configMap('dots', { data: { '..x': 'y' } }), 'ConfigMap "dots" is invalid: data[..x]: Invalid value: "..x": must not start with \'..\''],
    ['a key in data and binaryData', CMS, configMap('twice', { data: { a: 'x' }, binaryData: { a: 'eA==' } }), 'ConfigMap "twice" is invalid: data[a]: Invalid value: "a": duplicate of key present in binaryData'],
    ['more than 1 MiB', CMS, configMap('big', { data: { a: 'x'.repeat(1024 * 1024 + 1) } }), 'ConfigMap "big" is invalid: []: Too long: may not be more than 1048576 bytes'],
    ['annotations over 256 KiB with the data over 1 MiB', CMS, configMap('both', { metadata: { name: 'both', annotations: { a: 'x'.repeat(300 * 1024) } }, data: { a: 'x'.repeat(1024 * 1024 + 1) } }),
      'ConfigMap "both" is invalid: [metadata.annotations: Too long: may not be more than 262144 bytes, []: Too long: may not be more than 1048576 bytes]'],
    ['a TLS secret without its keys', SECRETS, secret('tls', 'kubernetes.io/tls', {}), 'Secret "tls" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]'],
    ['a docker config that is not JSON', SECRETS, secret('dcj', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': '{bad' }),
      'Secret "dcj" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character \'b\' looking for beginning of object key string'],
    ['a docker config that is no object', SECRETS, secret('dcj2', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': '[1]' }),
      'Secret "dcj2" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}'],
    ['a basic-auth secret without username or password', SECRETS, secret('ba', 'kubernetes.io/basic-auth', {}), 'Secret "ba" is invalid: [data[username]: Required value, data[password]: Required value]'],
    ['an ssh-auth secret with an empty key', SECRETS, secret('ssh', 'kubernetes.io/ssh-auth', { 'ssh-privatekey': '' }), 'Secret "ssh" is invalid: data[ssh-privatekey]: Required value'],
    ['a service-account-token secret without its account', SECRETS, secret('sat', 'kubernetes.io/service-account-token', {}),
      'Secret "sat" is invalid: metadata.annotations[kubernetes.io/service-account.name]: Required value'],
  ];
  for (const [what, path, body, message] of creates) {
    test(`validation refuses ${what}`, async () => {
      const refused = await api(s.plane, 'POST', path, { body });
      assert.equal(refused.status, 422, refused.body);
      assert.equal(refused.json()['message'], message);
    });
  }

  test('validation keeps an immutable configmap\'s data, binaryData and immutability', async () => {
    await api(s.plane, 'POST', CMS, { body: configMap('fixed', { data: { a: 'b' }, immutable: true }) });
    const patch = (body: unknown) => api(s.plane, 'PATCH', `${CMS}/fixed`, { contentType: 'application/merge-patch+json', body });
    assert.equal((await patch({ data: { a: 'c' } })).json()['message'], 'ConfigMap "fixed" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    assert.equal((await patch({ immutable: false })).json()['message'], 'ConfigMap "fixed" is invalid: immutable: Forbidden: field is immutable when `immutable` is set');
    assert.equal((await patch({ binaryData: { x: 'eA==' } })).json()['message'], 'ConfigMap "fixed" is invalid: binaryData: Forbidden: field is immutable when `immutable` is set');
    assert.equal((await patch({ metadata: { labels: { still: 'fine' } } })).status, 200);
  });

  test('validation keeps a secret\'s type, and an immutable secret\'s data', async () => {
    await api(s.plane, 'POST', SECRETS, { body: secret('kept', 'Opaque', { a: 'b' }) });
    const patch = (body: unknown) => api(s.plane, 'PATCH', `${SECRETS}/kept`, { contentType: 'application/merge-patch+json', body });
    assert.equal((await patch({ type: 'kubernetes.io/tls' })).json()['message'],
      'Secret "kept" is invalid: [type: Invalid value: "kubernetes.io/tls": field is immutable, data[tls.crt]: Required value, data[tls.key]: Required value]');
    assert.equal((await patch({ immutable: true })).status, 200);
    assert.equal((await patch({ stringData: { a: 'z' } })).json()['message'], 'Secret "kept" is invalid: data: Forbidden: field is immutable when `immutable` is set');
  });
});
