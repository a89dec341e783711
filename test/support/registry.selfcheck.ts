// Self-check for the registry test support; run by hand:
//   node --import tsx --test test/support/registry.selfcheck.ts
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MEDIA_TYPES, tarLayer, writeOciIndex, writeOciLayout } from './oci-layout.js';
import type { WrittenImage, WrittenIndex } from './oci-layout.js';
import { httpRequest, missingRegistryTools, push, registrySkip, startRegistry } from './registry.js';
import type { HttpResponse, Registry } from './registry.js';

const ACCEPT_ALL = [MEDIA_TYPES.manifest, MEDIA_TYPES.index].join(', ');

let layoutDir: string;
let image: WrittenImage;
let zstdImage: WrittenImage;
let index: WrittenIndex;

async function buildLayout(): Promise<void> {
  layoutDir = await mkdtemp(join(tmpdir(), 'hostpod-selfcheck-'));
  const base = await tarLayer([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', content: 'ID=selfcheck\n' },
    { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
  ]);
  const raw = await tarLayer([{ name: 'data/raw.txt', content: 'kept uncompressed\n' }]);
  image = await writeOciLayout(layoutDir, { layers: [{ tar: base }, { tar: raw, compression: 'none' }] }, 'plain');
  const zstd = await tarLayer([{ name: 'data/z.txt', content: 'zstd layer\n' }]);
  zstdImage = await writeOciLayout(layoutDir, { layers: [{ tar: zstd, compression: 'zstd' }] }, 'zstd');
  index = await writeOciIndex(
    layoutDir,
    [
      { os: 'linux', architecture: 'amd64', image: { layers: [{ tar: base }] } },
      { os: 'linux', architecture: 'arm64', variant: 'v8', image: { layers: [{ tar: base }] } },
    ],
    'multi',
  );
}

function readCa(registry: Registry): Promise<Buffer> | undefined {
  return registry.caFile ? readFile(registry.caFile) : undefined;
}

async function get(registry: Registry, path: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
  return httpRequest(`${registry.url}${path}`, { headers: { accept: ACCEPT_ALL, ...headers }, ca: await readCa(registry) });
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** key="value" pairs of a WWW-Authenticate challenge. */
function challengeParams(header: string): Record<string, string> {
  return Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

async function fetchToken(registry: Registry, scope: string, authorization?: string): Promise<HttpResponse> {
  assert.ok(registry.tokenRealm && registry.service);
  const url = new URL(registry.tokenRealm);
  url.searchParams.set('service', registry.service);
  url.searchParams.set('scope', scope);
  return httpRequest(url.href, { headers: authorization ? { authorization } : {} });
}

async function bearerFor(registry: Registry, scope: string): Promise<string> {
  const response = await fetchToken(registry, scope, basic(registry.username ?? '', registry.password ?? ''));
  assert.equal(response.status, 200, response.body.toString());
  const body = JSON.parse(response.body.toString()) as { token: string; access_token: string; expires_in: number; issued_at: string };
  assert.equal(body.token, body.access_token);
  assert.equal(body.expires_in, 300);
  assert.ok(!Number.isNaN(Date.parse(body.issued_at)));
  return `Bearer ${body.token}`;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

describe('registry test support', { skip: registrySkip(['docker-registry', 'skopeo', 'htpasswd', 'openssl', 'zstd']) }, () => {
  before(buildLayout);
  after(() => rm(layoutDir, { recursive: true, force: true }));

  test('tools are found', () => {
    assert.equal(missingRegistryTools(), undefined);
  });

  describe('auth none', () => {
    let registry: Registry;
    before(async () => (registry = await startRegistry()));
    after(() => registry.stop());

    test('push keeps digests and the image is served as pushed', async () => {
      assert.equal(await push(registry, `oci:${layoutDir}:plain`, 'self/plain:v1'), image.manifestDigest);
      const manifest = await get(registry, '/v2/self/plain/manifests/v1');
      assert.equal(manifest.status, 200);
      assert.equal(manifest.headers['content-type'], MEDIA_TYPES.manifest);
      assert.equal(manifest.headers['docker-content-digest'], image.manifestDigest);
      const layers = (JSON.parse(manifest.body.toString()) as { layers: Array<{ mediaType: string }> }).layers;
      assert.deepEqual(layers.map((l) => l.mediaType), [MEDIA_TYPES.layerGzip, MEDIA_TYPES.layer]);
    });

    test('blobs carry Docker-Content-Digest and live at blobDataPath', async () => {
      const digest = image.layerDigests[0] ?? '';
      const blob = await get(registry, `/v2/self/plain/blobs/${digest}`);
      assert.equal(blob.status, 200);
      assert.equal(blob.headers['docker-content-digest'], digest);
      assert.equal(sha256(blob.body), digest);
      assert.deepEqual(await readFile(registry.blobDataPath(digest)), blob.body);
    });

    test('requests() lists the access log, without the support module probes', async () => {
      registry.clearRequests();
      await get(registry, `/v2/self/plain/blobs/${image.configDigest}`);
      assert.deepEqual(await registry.settledRequests(), [`GET /v2/self/plain/blobs/${image.configDigest}`]);
    });

    test('zstd layers and multi-platform indexes push as they are', async () => {
      assert.equal(await push(registry, `oci:${layoutDir}:zstd`, 'self/zstd:v1'), zstdImage.manifestDigest);
      const zstdManifest = await get(registry, '/v2/self/zstd/manifests/v1');
      assert.match(zstdManifest.body.toString(), /tar\+zstd/);

      assert.equal(await push(registry, `oci:${layoutDir}:multi`, 'self/multi:v1'), index.indexDigest);
      const list = await get(registry, '/v2/self/multi/manifests/v1');
      assert.equal(list.headers['content-type'], MEDIA_TYPES.index);
      assert.equal(list.headers['docker-content-digest'], index.indexDigest);
      const platforms = (JSON.parse(list.body.toString()) as { manifests: Array<{ platform: unknown }> }).manifests.map((m) => m.platform);
      assert.deepEqual(platforms, [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ]);
      // distribution 2.8 hides OCI manifests/indexes from clients that do not Accept them.
      const unaccepted = await get(registry, '/v2/self/multi/manifests/v1', { accept: 'application/json' });
      assert.equal(unaccepted.status, 404);
    });
  });

  describe('auth basic', () => {
    let registry: Registry;
    before(async () => (registry = await startRegistry({ auth: 'basic' })));
    after(() => registry.stop());

    test('anonymous requests get a Basic challenge; credentials work', async () => {
      assert.ok(registry.username && registry.password);
      await push(registry, `oci:${layoutDir}:plain`, 'self/basic:v1');
      const anonymous = await get(registry, '/v2/self/basic/manifests/v1');
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers['www-authenticate'], 'Basic realm="hostpod-test-registry"');
      const wrong = await get(registry, '/v2/self/basic/manifests/v1', { authorization: basic(registry.username, 'nope') });
      assert.equal(wrong.status, 401);
      const ok = await get(registry, '/v2/self/basic/manifests/v1', { authorization: basic(registry.username, registry.password) });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers['docker-content-digest'], image.manifestDigest);
    });

    test('push without credentials fails with skopeo stderr', async () => {
      const anonymous: Registry = { ...registry, username: undefined, password: undefined };
      await assert.rejects(push(anonymous, `oci:${layoutDir}:plain`, 'self/denied:v1'), /skopeo .*failed[\s\S]*unauthorized/);
    });
  });

  describe('auth token', () => {
    let registry: Registry;
    before(async () => (registry = await startRegistry({ auth: 'token' })));
    after(() => registry.stop());

    test('anonymous requests get a Bearer challenge naming the token server', async () => {
      await push(registry, `oci:${layoutDir}:plain`, 'self/token:v1');
      assert.ok(registry.tokenRequests() > 0);
      assert.ok(registry.tokenScopes().includes('repository:self/token:pull,push'));
      const anonymous = await get(registry, '/v2/self/token/manifests/v1');
      assert.equal(anonymous.status, 401);
      const challenge = anonymous.headers['www-authenticate'] ?? '';
      assert.match(challenge, /^Bearer /);
      assert.deepEqual(challengeParams(challenge), {
        realm: registry.tokenRealm,
        service: registry.service,
        scope: 'repository:self/token:pull',
      });
    });

    test('the token server refuses anonymous and wrong credentials, and a wrong service', async () => {
      const before = registry.tokenRequests();
      assert.equal((await fetchToken(registry, 'repository:self/token:pull')).status, 401);
      assert.equal((await fetchToken(registry, 'repository:self/token:pull', basic(registry.username ?? '', 'nope'))).status, 401);
      const wrongService = `${registry.tokenRealm ?? ''}?service=elsewhere&scope=repository:self/token:pull`;
      const credentials = basic(registry.username ?? '', registry.password ?? '');
      assert.equal((await httpRequest(wrongService, { headers: { authorization: credentials } })).status, 400);
      assert.equal(registry.tokenRequests(), before + 3);
    });

    test('a token from the token server lets a client through the challenge', async () => {
      const authorization = await bearerFor(registry, 'repository:self/token:pull');
      const manifest = await get(registry, '/v2/self/token/manifests/v1', { authorization });
      assert.equal(manifest.status, 200, manifest.body.toString());
      assert.equal(manifest.headers['docker-content-digest'], image.manifestDigest);
      const blob = await get(registry, `/v2/self/token/blobs/${image.layerDigests[0] ?? ''}`, { authorization });
      assert.equal(blob.status, 200);
      // The token only covers the repository it was asked for.
      const other = await get(registry, '/v2/self/other/manifests/v1', { authorization });
      assert.equal(other.status, 401);
      assert.match(other.headers['www-authenticate'] ?? '', /error="insufficient_scope"/);
    });
  });

  describe('tls', () => {
    let registry: Registry;
    before(async () => (registry = await startRegistry({ auth: 'token', tls: true })));
    after(() => registry.stop());

    test('serves HTTPS trusted through caFile, with token auth', async () => {
      assert.ok(registry.caFile);
      assert.match(registry.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      await push(registry, `oci:${layoutDir}:plain`, 'self/tls:v1');
      const authorization = await bearerFor(registry, 'repository:self/tls:pull');
      const manifest = await get(registry, '/v2/self/tls/manifests/v1', { authorization });
      assert.equal(manifest.status, 200);
      assert.equal(manifest.headers['docker-content-digest'], image.manifestDigest);
      await assert.rejects(httpRequest(`${registry.url}/v2/`), /self[- ]signed/i);
    });
  });

  test('stop() kills the registry and removes its files', async () => {
    const registry = await startRegistry({ auth: 'token' });
    assert.equal((await get(registry, '/v2/')).status, 401);
    await registry.stop();
    await registry.stop();
    assert.equal(existsSync(registry.storageDir), false);
    await assert.rejects(get(registry, '/v2/'), /ECONNREFUSED/);
    await assert.rejects(httpRequest(registry.tokenRealm ?? ''), /ECONNREFUSED/);
  });
});
