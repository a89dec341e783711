/**
 * The files of API-backed volumes, from fake sources (no API server): configMap keys (data and
 * binaryData, all or `items` with paths and modes), secrets decoded from base64, downwardAPI
 * fields in the kubelet's format, and projected volumes such as the default kube-api-access
 * volume; missing sources and keys fail with the kubelet's words unless optional, paths that
 * would leave the volume are refused, and other volume kinds are not projected.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1ConfigMap, V1Pod, V1Volume } from '@kubernetes/client-node';
import type { Projected } from '../../src/node/volumes/atomic-writer.js';
import { isApiVolume, projectVolume, VolumeSetupError, type ProjectionSources } from '../../src/node/volumes/projection.js';

const HOST_IP = '192.0.2.10';

const pod: V1Pod = {
  metadata: {
    name: 'web-0',
    namespace: 'shop',
    uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
    labels: { tier: 'front', app: 'web', 'app.kubernetes.io/version': '1.2' },
    annotations: { note: 'say "hi"', owner: 'team-a' },
  },
  spec: {
    serviceAccountName: 'web',
    nodeName: 'node-1',
    containers: [{ name: 'app', image: 'busybox', resources: { limits: { memory: '64Mi', cpu: '500m' }, requests: { memory: '32Mi' } } }],
  },
};

const b64 = (text: string): string => Buffer.from(text).toString('base64');

interface Fake {
  sources: ProjectionSources;
  tokenCalls: { audience: string | undefined; expirationSeconds: number }[];
  configMapCalls: string[];
  secretCalls: string[];
}

function fakeSources(configMaps: Record<string, V1ConfigMap> = {}, secrets: Record<string, Record<string, string>> = {}, token = 'header.payload.signature'): Fake {
  const fake: Fake = {
    tokenCalls: [],
    configMapCalls: [],
    secretCalls: [],
    sources: {
      configMap: (name) => {
        fake.configMapCalls.push(name);
        return Promise.resolve(configMaps[name]);
      },
      secret: (name) => {
        fake.secretCalls.push(name);
        // As ApiObjectSource hands them over: the API's base64 decoded.
        const secret = secrets[name];
        return Promise.resolve(secret && new Map(Object.entries(secret).map(([key, value]) => [key, Buffer.from(value, 'base64')])));
      },
      token: (audience, expirationSeconds) => {
        fake.tokenCalls.push({ audience, expirationSeconds });
        return Promise.resolve(token);
      },
    },
  };
  return fake;
}

/** The files as text with their modes, for exact comparison. */
function texts(files: Map<string, Projected> | undefined): Record<string, { text: string; mode: number }> {
  assert.ok(files, 'expected files, got undefined');
  return Object.fromEntries([...files].map(([path, file]) => [path, { text: file.content.toString('utf8'), mode: file.mode }]));
}

const appConfig: V1ConfigMap = {
  metadata: { name: 'app-config', namespace: 'shop' },
  data: { 'app.properties': 'color=blue\n', 'log.level': 'debug' },
  binaryData: { 'logo.bin': Buffer.from([0x89, 0x50, 0x00, 0xff]).toString('base64') },
};

describe('configMap volumes', () => {
  test('project every key of data and binaryData, base64-decoded, with mode 0644', async () => {
    const fake = fakeSources({ 'app-config': appConfig });
    const files = await projectVolume(pod, { name: 'cfg', configMap: { name: 'app-config' } }, fake.sources, HOST_IP);
    assert.deepEqual(fake.configMapCalls, ['app-config']);
    assert.ok(files);
    assert.deepEqual([...files.keys()].sort(), ['app.properties', 'log.level', 'logo.bin']);
    assert.deepEqual(files.get('app.properties'), { content: Buffer.from('color=blue\n'), mode: 0o644 });
    assert.deepEqual(files.get('log.level'), { content: Buffer.from('debug'), mode: 0o644 });
    assert.deepEqual(files.get('logo.bin'), { content: Buffer.from([0x89, 0x50, 0x00, 0xff]), mode: 0o644 });
  });

  test('defaultMode applies to every key', async () => {
    const fake = fakeSources({ 'app-config': appConfig });
    const files = await projectVolume(pod, { name: 'cfg', configMap: { name: 'app-config', defaultMode: 0o440 } }, fake.sources, HOST_IP);
    assert.deepEqual([...(files?.values() ?? [])].map((file) => file.mode), [0o440, 0o440, 0o440]);
  });

  test('items project only the listed keys, at their paths, with their modes', async () => {
    const fake = fakeSources({ 'app-config': appConfig });
    const volume: V1Volume = {
      name: 'cfg',
      configMap: {
        name: 'app-config',
        defaultMode: 0o600,
        items: [
          { key: 'app.properties', path: 'conf/app.properties', mode: 0o400 },
          { key: 'log.level', path: 'level' },
        ],
      },
    };
    assert.deepEqual(texts(await projectVolume(pod, volume, fake.sources, HOST_IP)), {
      'conf/app.properties': { text: 'color=blue\n', mode: 0o400 },
      level: { text: 'debug', mode: 0o600 },
    });
  });

  test('an item naming a missing key fails in the kubelet words', async () => {
    const fake = fakeSources({ 'app-config': appConfig });
    const volume: V1Volume = { name: 'cfg', configMap: { name: 'app-config', items: [{ key: 'log.level', path: 'a' }, { key: 'nope', path: 'b' }] } };
    await assert.rejects(projectVolume(pod, volume, fake.sources, HOST_IP), (error: unknown) => {
      assert.ok(error instanceof VolumeSetupError);
      assert.equal(error.message, 'configmap references non-existent config key: nope');
      return true;
    });
  });

  test('an item naming a missing key is skipped when the configMap is optional', async () => {
    const fake = fakeSources({ 'app-config': appConfig });
    const volume: V1Volume = { name: 'cfg', configMap: { name: 'app-config', optional: true, items: [{ key: 'log.level', path: 'a' }, { key: 'nope', path: 'b' }] } };
    assert.deepEqual(texts(await projectVolume(pod, volume, fake.sources, HOST_IP)), { a: { text: 'debug', mode: 0o644 } });
  });

  test('a missing configMap fails with `configmap "NAME" not found`', async () => {
    const fake = fakeSources();
    await assert.rejects(projectVolume(pod, { name: 'cfg', configMap: { name: 'absent' } }, fake.sources, HOST_IP), (error: unknown) => {
      assert.ok(error instanceof VolumeSetupError);
      assert.equal(error.message, 'configmap "absent" not found');
      return true;
    });
    assert.deepEqual(fake.configMapCalls, ['absent']);
  });

  test('a missing optional configMap gives an empty volume', async () => {
    const fake = fakeSources();
    const files = await projectVolume(pod, { name: 'cfg', configMap: { name: 'absent', optional: true, items: [{ key: 'k', path: 'p' }] } }, fake.sources, HOST_IP);
    assert.ok(files);
    assert.equal(files.size, 0);
  });

  test('an item path with .. or an absolute path is refused with VolumeSetupError', async () => {
    const fake = fakeSources({ 'app-config': appConfig });
    for (const path of ['../escape', 'conf/../../escape', '/etc/passwd']) {
      const volume: V1Volume = { name: 'cfg', configMap: { name: 'app-config', items: [{ key: 'log.level', path }] } };
      await assert.rejects(projectVolume(pod, volume, fake.sources, HOST_IP), (error: unknown) => {
        assert.ok(error instanceof VolumeSetupError);
        assert.equal(error.message, `volume "cfg": path "${path}" must be relative and may not contain '..'`);
        return true;
      });
    }
  });
});

describe('secret volumes', () => {
  const secrets = { 'db-creds': { username: b64('admin'), password: b64('p@ss\nword') } };

  test('project every key base64-decoded, with defaultMode', async () => {
    const fake = fakeSources({}, secrets);
    const files = await projectVolume(pod, { name: 'creds', secret: { secretName: 'db-creds', defaultMode: 0o400 } }, fake.sources, HOST_IP);
    assert.deepEqual(fake.secretCalls, ['db-creds']);
    assert.deepEqual(texts(files), { username: { text: 'admin', mode: 0o400 }, password: { text: 'p@ss\nword', mode: 0o400 } });
  });

  test('default to mode 0644 and honour items', async () => {
    const fake = fakeSources({}, secrets);
    const volume: V1Volume = { name: 'creds', secret: { secretName: 'db-creds', items: [{ key: 'password', path: 'db/pass', mode: 0o600 }, { key: 'username', path: 'user' }] } };
    assert.deepEqual(texts(await projectVolume(pod, volume, fake.sources, HOST_IP)), {
      'db/pass': { text: 'p@ss\nword', mode: 0o600 },
      user: { text: 'admin', mode: 0o644 },
    });
  });

  test('a missing secret or key fails unless optional', async () => {
    const fake = fakeSources({}, secrets);
    await assert.rejects(projectVolume(pod, { name: 'creds', secret: { secretName: 'absent' } }, fake.sources, HOST_IP), (error: unknown) => {
      assert.ok(error instanceof VolumeSetupError);
      assert.equal(error.message, 'secret "absent" not found');
      return true;
    });
    await assert.rejects(projectVolume(pod, { name: 'creds', secret: { secretName: 'db-creds', items: [{ key: 'token', path: 't' }] } }, fake.sources, HOST_IP), (error: unknown) => {
      assert.ok(error instanceof VolumeSetupError);
      assert.equal(error.message, 'references non-existent secret key: token');
      return true;
    });
    const optional = await projectVolume(pod, { name: 'creds', secret: { secretName: 'absent', optional: true } }, fake.sources, HOST_IP);
    assert.equal(optional?.size, 0);
  });
});

describe('downwardAPI volumes', () => {
  test('write metadata fields, and labels and annotations as sorted key="value" lines', async () => {
    const fake = fakeSources();
    const volume: V1Volume = {
      name: 'podinfo',
      downwardAPI: {
        items: [
          { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
          { path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } },
          { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } },
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' }, mode: 0o600 },
          { path: 'app', fieldRef: { fieldPath: "metadata.labels['app']" } },
          { path: 'ip', fieldRef: { fieldPath: 'status.podIP' } },
        ],
      },
    };
    assert.deepEqual(texts(await projectVolume(pod, volume, fake.sources, HOST_IP)), {
      name: { text: 'web-0', mode: 0o644 },
      namespace: { text: 'shop', mode: 0o644 },
      uid: { text: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', mode: 0o644 },
      labels: { text: 'app="web"\napp.kubernetes.io/version="1.2"\ntier="front"', mode: 0o644 },
      annotations: { text: 'note="say \\"hi\\""\nowner="team-a"', mode: 0o600 },
      app: { text: 'web', mode: 0o644 },
      ip: { text: HOST_IP, mode: 0o644 },
    });
  });

  test('a pod without labels gets an empty labels file; defaultMode applies', async () => {
    const bare: V1Pod = { metadata: { name: 'bare' }, spec: { containers: [] } };
    const volume: V1Volume = { name: 'podinfo', downwardAPI: { defaultMode: 0o444, items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } };
    assert.deepEqual(texts(await projectVolume(bare, volume, fakeSources().sources, HOST_IP)), { labels: { text: '', mode: 0o444 } });
  });

  test('resourceFieldRef writes the container resource in units of the divisor', async () => {
    const volume: V1Volume = {
      name: 'podinfo',
      downwardAPI: {
        items: [
          { path: 'mem_limit', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
          { path: 'mem_request', resourceFieldRef: { containerName: 'app', resource: 'requests.memory', divisor: '1Mi' } },
          { path: 'cpu_limit', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu' } },
          { path: 'cpu_limit_m', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } },
        ],
      },
    };
    assert.deepEqual(texts(await projectVolume(pod, volume, fakeSources().sources, HOST_IP)), {
      mem_limit: { text: '64', mode: 0o644 },
      mem_request: { text: '32', mode: 0o644 },
      cpu_limit: { text: '1', mode: 0o644 },
      cpu_limit_m: { text: '500', mode: 0o644 },
    });
  });

  test('resourceFieldRef naming a container the pod lacks fails with VolumeSetupError', async () => {
    const volume: V1Volume = { name: 'podinfo', downwardAPI: { items: [{ path: 'm', resourceFieldRef: { containerName: 'ghost', resource: 'limits.memory' } }] } };
    await assert.rejects(projectVolume(pod, volume, fakeSources().sources, HOST_IP), (error: unknown) => {
      assert.ok(error instanceof VolumeSetupError);
      assert.equal(error.message, 'volume "podinfo": resourceFieldRef names container "ghost", which the pod does not have');
      return true;
    });
  });

  test('a path with .. is refused with VolumeSetupError', async () => {
    const volume: V1Volume = { name: 'podinfo', downwardAPI: { items: [{ path: '../name', fieldRef: { fieldPath: 'metadata.name' } }] } };
    await assert.rejects(projectVolume(pod, volume, fakeSources().sources, HOST_IP), (error: unknown) => {
      assert.ok(error instanceof VolumeSetupError);
      assert.equal(error.message, `volume "podinfo": path "../name" must be relative and may not contain '..'`);
      return true;
    });
  });
});

describe('projected volumes', () => {
  const rootCA: V1ConfigMap = { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' } };

  test('the default kube-api-access volume gives token, ca.crt and namespace', async () => {
    const fake = fakeSources({ 'kube-root-ca.crt': rootCA }, {}, 'eyJhbGciOiJSUzI1NiJ9.e30.sig');
    // As the ServiceAccount admission plugin adds it.
    const volume: V1Volume = {
      name: 'kube-api-access-x7k2p',
      projected: {
        defaultMode: 0o644,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    };
    assert.deepEqual(texts(await projectVolume(pod, volume, fake.sources, HOST_IP)), {
      token: { text: 'eyJhbGciOiJSUzI1NiJ9.e30.sig', mode: 0o644 },
      'ca.crt': { text: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', mode: 0o644 },
      namespace: { text: 'shop', mode: 0o644 },
    });
    assert.deepEqual(fake.tokenCalls, [{ audience: undefined, expirationSeconds: 3607 }]);
    assert.deepEqual(fake.configMapCalls, ['kube-root-ca.crt']);
  });

  test('the token source gets the audience and expiry; expiry defaults to 3600; defaultMode and item modes apply', async () => {
    const fake = fakeSources({ 'kube-root-ca.crt': rootCA }, { 'db-creds': { password: b64('pw') } }, 'tok');
    const volume: V1Volume = {
      name: 'combined',
      projected: {
        defaultMode: 0o440,
        sources: [
          { serviceAccountToken: { audience: 'vault', expirationSeconds: 600, path: 'vault/token' } },
          { serviceAccountToken: { path: 'token' } },
          { secret: { name: 'db-creds', items: [{ key: 'password', path: 'db/password', mode: 0o400 }] } },
          { configMap: { name: 'kube-root-ca.crt' } },
          { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        ],
      },
    };
    assert.deepEqual(texts(await projectVolume(pod, volume, fake.sources, HOST_IP)), {
      'vault/token': { text: 'tok', mode: 0o440 },
      token: { text: 'tok', mode: 0o440 },
      'db/password': { text: 'pw', mode: 0o400 },
      'ca.crt': { text: rootCA.data?.['ca.crt'] ?? '', mode: 0o440 },
      labels: { text: 'app="web"\napp.kubernetes.io/version="1.2"\ntier="front"', mode: 0o440 },
    });
    assert.deepEqual(fake.tokenCalls, [
      { audience: 'vault', expirationSeconds: 600 },
      { audience: undefined, expirationSeconds: 3600 },
    ]);
    assert.deepEqual(fake.secretCalls, ['db-creds']);
  });

  test('a missing source fails unless optional', async () => {
    const fake = fakeSources();
    const volume = (optional: boolean): V1Volume => ({ name: 'p', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt', optional } }, { serviceAccountToken: { path: 'token' } }] } });
    await assert.rejects(projectVolume(pod, volume(false), fake.sources, HOST_IP), (error: unknown) => {
      assert.ok(error instanceof VolumeSetupError);
      assert.equal(error.message, 'configmap "kube-root-ca.crt" not found');
      return true;
    });
    assert.deepEqual(texts(await projectVolume(pod, volume(true), fake.sources, HOST_IP)), { token: { text: 'header.payload.signature', mode: 0o644 } });
  });

  test('a token path with .. is refused with VolumeSetupError', async () => {
    const volume: V1Volume = { name: 'p', projected: { sources: [{ serviceAccountToken: { path: 'a/../../token' } }] } };
    await assert.rejects(projectVolume(pod, volume, fakeSources().sources, HOST_IP), (error: unknown) => {
      assert.ok(error instanceof VolumeSetupError);
      assert.equal(error.message, `volume "p": path "a/../../token" must be relative and may not contain '..'`);
      return true;
    });
  });

  test('an unsupported source is refused with VolumeSetupError naming it', async () => {
    const volume: V1Volume = { name: 'p', projected: { sources: [{ clusterTrustBundle: { path: 'bundle.pem', signerName: 'example.com/signer' } }] } };
    await assert.rejects(projectVolume(pod, volume, fakeSources().sources, HOST_IP), (error: unknown) => {
      assert.ok(error instanceof VolumeSetupError);
      assert.equal(error.message, 'volume "p" of pod shop/web-0: projected source clusterTrustBundle is not supported by hostpod');
      return true;
    });
  });
});

describe('other volume kinds', () => {
  test('hostPath and emptyDir are not projected', async () => {
    const fake = fakeSources();
    const hostPath: V1Volume = { name: 'h', hostPath: { path: '/var/log' } };
    const emptyDir: V1Volume = { name: 'e', emptyDir: {} };
    assert.equal(await projectVolume(pod, hostPath, fake.sources, HOST_IP), undefined);
    assert.equal(await projectVolume(pod, emptyDir, fake.sources, HOST_IP), undefined);
    assert.equal(isApiVolume(hostPath), false);
    assert.equal(isApiVolume(emptyDir), false);
    assert.deepEqual([fake.configMapCalls, fake.secretCalls, fake.tokenCalls], [[], [], []]);
  });

  test('isApiVolume is true for configMap, secret, downwardAPI and projected', () => {
    assert.equal(isApiVolume({ name: 'a', configMap: { name: 'c' } }), true);
    assert.equal(isApiVolume({ name: 'a', secret: { secretName: 's' } }), true);
    assert.equal(isApiVolume({ name: 'a', downwardAPI: {} }), true);
    assert.equal(isApiVolume({ name: 'a', projected: {} }), true);
  });
});
