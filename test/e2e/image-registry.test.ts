/**
 * Pulls from Debian's docker-registry on 127.0.0.1, with images this suite builds and pushes with
 * skopeo: tags, digests, indexes, compression, basic and token auth, TLS, corrupted blobs,
 * transient failures, concurrent pulls and malicious layers.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { isHostpodError } from '../../src/errors.js';
import { hostPlatform } from '../../src/runtime/image/platform.js';
import { pullImage } from '../../src/runtime/image/pull.js';
import { RegistryClient } from '../../src/runtime/image/registry/client.js';
import { CredentialStore } from '../../src/runtime/image/registry/credentials.js';
import { ImageStore } from '../../src/runtime/image/store.js';
import { tarLayer, writeOciIndex, writeOciLayout, type LayerEntry } from '../support/oci-layout.js';
import { runHostpod } from '../support/hostpod-cli.js';
import { push, registrySkip, startRegistry, type Registry } from '../support/registry.js';

const skip = registrySkip();
const execFileAsync = promisify(execFile);
const arch = hostPlatform().architecture;
const otherArch = arch === 'amd64' ? 'arm64' : 'amd64';
const scratch = mkdtempSync(join(tmpdir(), 'hostpod-e2e-image-'));
const layouts = join(scratch, 'layouts');
const FAST_RETRY = { attempts: 4, baseDelayMs: 20 };

function freshStore(): ImageStore {
  return new ImageStore(mkdtempSync(join(scratch, 'data-')));
}

function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runHostpod(args, { env });
}

async function layout(name: string, layers: LayerEntry[][], compression: 'gzip' | 'none' | 'zstd' = 'gzip'): Promise<{ dir: string; manifestDigest: string; layerDigests: string[] }> {
  const dir = join(layouts, name);
  const written = await writeOciLayout(dir, { layers: await Promise.all(layers.map(async (entries) => ({ tar: await tarLayer(entries), compression }))), architecture: arch }, 'v1');
  return { dir, ...written };
}

/** Every file under `dir`, relative to it. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      out.push(`${prefix}${e.name}${e.isDirectory() ? '/' : ''}`);
      if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
    }
  };
  walk(dir, '');
  return out.sort();
}

describe('image pull from a real registry', { skip }, () => {
  let registry: Registry;
  let appDigest: string;

  before(async () => {
    registry = await startRegistry();
    const app = await layout('app', [
      [{ name: 'etc/', type: 'directory' }, { name: 'etc/app.conf', content: 'v1\n' }, { name: 'bin/tool', content: '#!/bin/sh\necho hi\n', mode: 0o755 }, { name: 'old', content: 'x' }],
      [{ name: '.wh.old' }, { name: 'etc/app.conf', content: 'v2\n' }],
    ]);
    appDigest = await push(registry, `oci:${app.dir}:v1`, 'team/app:v1');
    const indexDir = join(layouts, 'multi');
    await writeOciIndex(
      indexDir,
      [
        { os: 'linux', architecture: otherArch, image: { layers: [{ tar: await tarLayer([{ name: 'which', content: otherArch }]) }] } },
        { os: 'linux', architecture: arch, image: { layers: [{ tar: await tarLayer([{ name: 'which', content: arch }]) }] } },
      ],
      'v1',
    );
    await push(registry, `oci:${indexDir}:v1`, 'multi:v1');
  });
  after(async () => {
    await registry.stop();
  });

  test('by tag: layers are verified, unpacked in order with whiteouts, and recorded', async () => {
    const store = freshStore();
    const record = await pullImage(store, `${registry.host}/team/app:v1`, { plainHttp: true });
    assert.equal(record.name, `${registry.host}/team/app:v1`);
    assert.equal(record.target.digest, appDigest);
    const rootfs = store.rootfs(record) as string;
    assert.deepEqual(tree(rootfs), ['bin/', 'bin/tool', 'etc/', 'etc/app.conf']);
    assert.equal(readFileSync(join(rootfs, 'etc/app.conf'), 'utf8'), 'v2\n');
    assert.equal(store.find('sha256:' + record.config.slice(7, 19))?.name, record.name, 'found by image ID prefix');
  });

  test('by digest, and by tag plus digest (the digest decides)', async () => {
    const store = freshStore();
    const byDigest = await pullImage(store, `${registry.host}/team/app@${appDigest}`, { plainHttp: true });
    assert.equal(byDigest.name, `${registry.host}/team/app@${appDigest}`);
    const both = await pullImage(store, `${registry.host}/team/app:no-such-tag@${appDigest}`, { plainHttp: true });
    assert.equal(both.manifest, byDigest.manifest);
    const wrong = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(pullImage(store, `${registry.host}/team/app@${wrong}`, { plainHttp: true }), (e: unknown) => isHostpodError(e, 'ERR_HOSTPOD_IMAGE_NOT_FOUND'));
  });

  test('an index resolves to this host\'s platform; --platform picks another', async () => {
    const store = freshStore();
    const mine = await pullImage(store, `${registry.host}/multi:v1`, { plainHttp: true });
    assert.equal(readFileSync(join(store.rootfs(mine) as string, 'which'), 'utf8'), arch);
    assert.equal(mine.target.mediaType, 'application/vnd.oci.image.index.v1+json');
    const other = await pullImage(freshStore(), `${registry.host}/multi:v1`, { plainHttp: true, platform: { os: 'linux', architecture: otherArch } });
    assert.equal(other.platform.architecture, otherArch);
    await assert.rejects(pullImage(store, `${registry.host}/multi:v1`, { plainHttp: true, platform: { os: 'linux', architecture: 's390x' } }), /has no image for linux\/s390x \(it offers linux\/.*, linux\/.*\)/);
  });

  test('Docker schema 2 manifests and manifest lists (pushed by skopeo --format v2s2)', async () => {
    const built = await layout('docker-v2s2', [[{ name: 'from', content: 'docker' }]]);
    await execFileAsync('skopeo', ['copy', '--format', 'v2s2', '--dest-tls-verify=false', `oci:${built.dir}:v1`, `docker://${registry.host}/docker-format:v1`]);
    const store = freshStore();
    const record = await pullImage(store, `${registry.host}/docker-format:v1`, { plainHttp: true });
    assert.equal(record.target.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(record.layers[0]?.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
    assert.equal(readFileSync(join(store.rootfs(record) as string, 'from'), 'utf8'), 'docker');
    await execFileAsync('skopeo', ['copy', '--all', '--format', 'v2s2', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${registry.host}/multi:v1`, `docker://${registry.host}/multi-docker:v1`]);
    const fromList = await pullImage(freshStore(), `${registry.host}/multi-docker:v1`, { plainHttp: true });
    assert.equal(fromList.target.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
    assert.equal(fromList.platform.architecture, arch);
  });

  test('uncompressed and zstd layers', async () => {
    for (const compression of ['none', 'zstd'] as const) {
      const built = await layout(`c-${compression}`, [[{ name: 'hello', content: compression }]], compression);
      await push(registry, `oci:${built.dir}:v1`, `comp-${compression}:v1`);
      const store = freshStore();
      const record = await pullImage(store, `${registry.host}/comp-${compression}:v1`, { plainHttp: true });
      assert.equal(readFileSync(join(store.rootfs(record) as string, 'hello'), 'utf8'), compression);
    }
  });

  test('a missing image and a missing tag are errors naming the image', async () => {
    await assert.rejects(pullImage(freshStore(), `${registry.host}/team/app:v9`, { plainHttp: true }), /image 127\.0\.0\.1:\d+\/team\/app:v9 not found in registry/);
  });

  test('a corrupted blob fails the pull and leaves nothing in the store', async () => {
    const built = await layout('corrupt', [[{ name: 'data', content: 'a'.repeat(10_000) }]]);
    await push(registry, `oci:${built.dir}:v1`, 'corrupt:v1');
    const layerDigest = built.layerDigests[0] as string;
    const path = registry.blobDataPath(layerDigest);
    const bytes = readFileSync(path);
    const at = bytes.length - 20;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
    writeFileSync(path, bytes);
    const store = freshStore();
    await assert.rejects(pullImage(store, `${registry.host}/corrupt:v1`, { plainHttp: true, retry: FAST_RETRY }), (e: unknown) => {
      assert.ok(isHostpodError(e, 'ERR_HOSTPOD_BLOB_INVALID'), String(e));
      assert.match(e.message, new RegExp(`layer 1/1 of 127\\.0\\.0\\.1:\\d+/corrupt:v1 ${layerDigest}: content has digest sha256:`));
      return true;
    });
    assert.equal(store.content.has(layerDigest), false);
    assert.deepEqual(readdirSync(store.content.ingestDir), []);
    assert.equal(store.find(`${registry.host}/corrupt:v1`), undefined);
  });

  test('transient failures are retried with backoff', async () => {
    const built = await layout('flaky', [[{ name: 'f', content: 'flaky' }]]);
    await push(registry, `oci:${built.dir}:v1`, 'flaky:v1');
    let failures = 2;
    let resets = 1;
    // A proxy in front of the real registry: two 503s for the blob, then a connection cut mid-body.
    const proxy = http.createServer((req, res) => {
      const isBlob = (req.url ?? '').includes('/blobs/');
      if (isBlob && failures > 0) {
        failures--;
        res.writeHead(503).end('try later');
        return;
      }
      const upstream = http.request(`${registry.url}${req.url ?? ''}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (isBlob && up.headers['content-length'] && resets > 0) {
          resets--;
          up.once('data', (chunk: Buffer) => {
            res.write(chunk.subarray(0, 1));
            res.socket?.destroy();
          });
          return;
        }
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as { port: number }).port;
    const retries: string[] = [];
    try {
      const store = freshStore();
      const record = await pullImage(store, `127.0.0.1:${port}/flaky:v1`, { plainHttp: true, retry: FAST_RETRY, progress: { retrying: (what) => retries.push(what) } });
      assert.equal(readFileSync(join(store.rootfs(record) as string, 'f'), 'utf8'), 'flaky');
      assert.equal(retries.length, 3, `retried twice for 503 and once for the cut connection: ${retries.join(', ')}`);
      assert.deepEqual(readdirSync(store.content.ingestDir), []);
    } finally {
      proxy.close();
    }
  });

  test('two processes pulling the same image download each blob once', async () => {
    const big = Buffer.alloc(4 << 20);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    const built = await layout('shared', [[{ name: 'big', content: big }], [{ name: 'small', content: 's' }]]);
    await push(registry, `oci:${built.dir}:v1`, 'shared:v1');
    registry.clearRequests();
    const dataDir = mkdtempSync(join(scratch, 'data-shared-'));
    const pulls = await Promise.all([1, 2].map(() => runCli(['image', 'pull', '--plain-http', '--data-dir', dataDir, `${registry.host}/shared:v1`])));
    for (const p of pulls) assert.equal(p.code, 0, p.stderr);
    const requests = await registry.settledRequests();
    for (const digest of built.layerDigests) {
      assert.equal(requests.filter((r) => r.startsWith('GET') && r.includes(`/blobs/${digest}`)).length, 1, `blob ${digest} fetched once: ${requests.join('\n')}`);
    }
    const ls = await runCli(['image', 'ls', '--data-dir', dataDir]);
    assert.match(ls.stdout, new RegExp(`${registry.host.replace(/\./g, '\\.')}/shared\\s+v1\\s+[a-f0-9]{12}`));
  });

  test('the CLI prints plain progress lines when not on a terminal, and finds loopback registries without --plain-http', async () => {
    const dataDir = mkdtempSync(join(scratch, 'data-cli-'));
    const result = await runCli(['image', 'pull', '--data-dir', dataDir, `${registry.host}/team/app:v1`]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /resolved to sha256:[a-f0-9]{64} \(2 layers, /);
    assert.match(result.stderr, /layer [a-f0-9]{12}: downloaded .* in \d+\.\ds \(.*\/s\)/);
    assert.match(result.stderr, /layer [a-f0-9]{12}: unpacking \(2\/2\)/);
    assert.ok(!result.stderr.includes("\u001b["), 'no terminal escapes in a log');
    assert.match(result.stdout, /team\/app:v1: pulled, image ID [a-f0-9]{12}, digest sha256:/);
  });

  describe('malicious layers', () => {
    const outside = join(scratch, 'outside');
    before(() => mkdirSync(outside, { recursive: true }));

    async function pullEvil(name: string, entries: LayerEntry[][]): Promise<{ store: ImageStore; result: Promise<unknown> }> {
      const built = await layout(`evil-${name}`, entries);
      await push(registry, `oci:${built.dir}:v1`, `evil-${name}:v1`);
      const store = freshStore();
      return { store, result: pullImage(store, `${registry.host}/evil-${name}:v1`, { plainHttp: true }) };
    }

    test('path traversal fails the pull naming the entry', async () => {
      const { store, result } = await pullEvil('traversal', [[{ name: 'ok', content: 'x' }, { name: '../../../../outside/pwned', content: 'x' }]]);
      await assert.rejects(result, /layer 1\/1 \(sha256:[a-f0-9]+\) of .*evil-traversal:v1: layer entry "\.\.\/\.\.\/\.\.\/\.\.\/outside\/pwned": its path has a "\.\." component/);
      assert.deepEqual(store.snapshots.list(), []);
      assert.equal(store.list().length, 0);
    });

    test('a symbolic link escape is contained in the image', async () => {
      const { store, result } = await pullEvil('symlink', [[{ name: 'link', type: 'symlink', linkname: outside }], [{ name: 'link/pwned', content: 'x' }]]);
      const record = (await result) as Awaited<ReturnType<typeof pullImage>>;
      assert.deepEqual(readdirSync(outside), []);
      assert.ok(existsSync(join(store.rootfs(record) as string, outside, 'pwned')));
    });

    test('a hard link escape fails the pull naming the entry', async () => {
      const { result } = await pullEvil('hardlink', [[{ name: 'passwd', type: 'link', linkname: '/etc/passwd' }]]);
      await assert.rejects(result, /layer entry "passwd": its link target "\/etc\/passwd" does not exist in the image/);
    });

    test('device nodes are skipped and reported, the rest of the image is pulled', async () => {
      const skipped: string[] = [];
      const built = await layout('evil-device', [[{ name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 }, { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 }, { name: 'app', content: 'x' }]]);
      await push(registry, `oci:${built.dir}:v1`, 'evil-device:v1');
      const store = freshStore();
      const record = await pullImage(store, `${registry.host}/evil-device:v1`, { plainHttp: true, progress: { unpacked: (_l, s) => skipped.push(...s.map((x) => x.path)) } });
      const rootfs = store.rootfs(record) as string;
      assert.ok(!existsSync(join(rootfs, 'dev/sda')));
      assert.ok(skipped.includes('dev/sda'));
      assert.ok(existsSync(join(rootfs, 'app')));
    });

    test('whiteout abuse fails the pull naming the entry', async () => {
      const { result } = await pullEvil('whiteout', [[{ name: 'a', content: 'x' }], [{ name: '.wh...' }]]);
      await assert.rejects(result, /layer entry "\.wh\.\.\.": "\.wh\.\.\." is not a valid whiteout/);
    });
  });
});

describe('registry authentication and TLS', { skip }, () => {
  const registries: Registry[] = [];
  after(async () => {
    for (const r of registries) await r.stop();
  });

  async function withImage(options: Parameters<typeof startRegistry>[0]): Promise<Registry> {
    const registry = await startRegistry(options);
    registries.push(registry);
    const built = await layout(`auth-${registries.length}`, [[{ name: 'secret', content: 'private' }]]);
    await push(registry, `oci:${built.dir}:v1`, 'private/app:v1');
    return registry;
  }

  function authFile(registry: Registry, style: 'auth' | 'fields'): CredentialStore {
    const file = join(mkdtempSync(join(scratch, 'auth-')), 'config.json');
    const entry = style === 'auth' ? { auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64') } : { username: registry.username, password: registry.password };
    writeFileSync(file, JSON.stringify({ auths: { [`http://${registry.host}`]: entry } }));
    return new CredentialStore(file);
  }

  for (const mode of ['basic', 'token'] as const) {
    test(`${mode}: anonymous pulls are refused with a hint; credentials from config.json work`, async () => {
      const registry = await withImage({ auth: mode });
      await assert.rejects(pullImage(freshStore(), `${registry.host}/private/app:v1`, { plainHttp: true }), (e: unknown) => {
        assert.ok(isHostpodError(e, 'ERR_HOSTPOD_REGISTRY_AUTH'), String(e));
        assert.match(e.message + (e.hint ?? ''), /log in|refused anonymous access|requires authentication/);
        return true;
      });
      const store = freshStore();
      const record = await pullImage(store, `${registry.host}/private/app:v1`, { plainHttp: true, credentials: authFile(registry, mode === 'basic' ? 'auth' : 'fields') });
      assert.equal(readFileSync(join(store.rootfs(record) as string, 'secret'), 'utf8'), 'private');
      if (mode === 'token') assert.ok(registry.tokenScopes().includes('repository:private/app:pull'), registry.tokenScopes().join(', '));
      const badFile = join(mkdtempSync(join(scratch, 'auth-')), 'config.json');
      writeFileSync(badFile, JSON.stringify({ auths: { [registry.host]: { username: registry.username, password: 'wrong' } } }));
      await assert.rejects(pullImage(freshStore(), `${registry.host}/private/app:v1`, { plainHttp: true, credentials: new CredentialStore(badFile) }), (e: unknown) => isHostpodError(e, 'ERR_HOSTPOD_REGISTRY_AUTH'));
    });
  }

  test('HTTPS: certificates are verified unless the registry is insecure (loopback counts, as in docker)', async () => {
    const registry = await withImage({ tls: true });
    const strict = new RegistryClient(registry.host, { insecure: false, retry: FAST_RETRY });
    await assert.rejects(strict.manifest('private/app', 'v1', 'private/app:v1'), (e: unknown) => {
      assert.ok(isHostpodError(e, 'ERR_HOSTPOD_REGISTRY_UNREACHABLE'), String(e));
      assert.match(e.hint ?? '', /registries\.insecure|NODE_EXTRA_CA_CERTS/);
      return true;
    });
    const store = freshStore();
    const record = await pullImage(store, `${registry.host}/private/app:v1`);
    assert.equal(readFileSync(join(store.rootfs(record) as string, 'secret'), 'utf8'), 'private');
    const trusted = await runCli(['image', 'pull', '-q', '--data-dir', mkdtempSync(join(scratch, 'data-tls-')), `${registry.host}/private/app:v1`], { NODE_EXTRA_CA_CERTS: registry.caFile ?? '' });
    assert.equal(trusted.code, 0, trusted.stderr);
  });
});

after(() => rmSync(scratch, { recursive: true, force: true }));
