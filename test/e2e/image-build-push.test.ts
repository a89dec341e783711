/**
 * hostpod image build and push against Debian's docker-registry, read back with skopeo inspect
 * and hostpod's own pull: linux and windows images, a multi-platform index, anonymous, htpasswd
 * and token registries, skipped blobs, cross-repository mounts, chunked uploads, and hostpod run
 * of the built linux image.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import http from 'node:http';
import { buildImage } from '../../src/runtime/image/build/build.js';
import { hostPlatform } from '../../src/runtime/image/platform.js';
import { pushImage } from '../../src/runtime/image/push.js';
import { ImageStore } from '../../src/runtime/image/store.js';
import { runHostpod } from '../support/hostpod-cli.js';
import { tarLayer, writeOciLayout } from '../support/oci-layout.js';
import { push, registrySkip, startRegistry, type Registry } from '../support/registry.js';
import { removeCgroupDirs, rootSkip } from '../support/runtime.js';

const skip = registrySkip();
const execFileAsync = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'hostpod-e2e-build-'));
chmodSync(scratch, 0o755);
const arch = hostPlatform().architecture;

async function skopeoInspect(ref: string, extra: string[] = [], authfile?: string): Promise<Record<string, unknown>> {
  const { stdout } = await execFileAsync('skopeo', ['inspect', '--tls-verify=false', ...(authfile ? ['--authfile', authfile] : []), ...extra, `docker://${ref}`]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

function context(name: string, containerfile: string): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'hello.txt'), `hello from ${name}\n`);
  writeFileSync(join(dir, 'bin', 'tool.sh'), '#!/bin/sh\necho tool\n');
  chmodSync(join(dir, 'bin', 'tool.sh'), 0o755);
  writeFileSync(join(dir, 'Containerfile'), containerfile);
  return dir;
}

const LINUX = 'FROM scratch\nCOPY hello.txt /app/\nCOPY bin /app/bin\nENV GREETING="hello there"\nWORKDIR /app\nLABEL org.opencontainers.image.title=demo\nENTRYPOINT ["/bin/sh", "-c"]\nCMD ["cat /hpc/app/hello.txt"]\n';
const WINDOWS = 'FROM scratch\nCOPY hello.txt C:/hpc/\nCOPY bin /hpc/bin\nENV PATH="C:\\Windows\\system32;C:\\Windows"\nWORKDIR C:\\hpc\nENTRYPOINT ["cmd.exe", "/c", "type", "hello.txt"]\n';

describe('image build and push with a real registry', { skip, timeout: 240_000 }, () => {
  let registry: Registry;
  const data = (name: string): string => join(scratch, `data-${name}`);
  const hp = (args: string[], env: NodeJS.ProcessEnv = {}) => runHostpod(args, { env: { SOURCE_DATE_EPOCH: '1700000000', ...env } });

  before(async () => {
    registry = await startRegistry();
  });
  after(async () => {
    await registry.stop();
  });

  test('a linux image built and pushed reads back with skopeo and hostpod pull, the same digest as a second build', async () => {
    const dir = context('linux', LINUX);
    const ref = `${registry.host}/demo/linux:v1`;
    const built = await hp(['image', 'build', '--data-dir', data('linux'), '-t', ref, '--push', '--platform', `linux/${arch}`, dir]);
    assert.equal(built.code, 0, built.stderr);
    const digest = /digest (sha256:[a-f0-9]{64})/.exec(built.stdout)?.[1];
    assert.ok(digest, built.stdout);
    assert.match(built.stderr, /blob [a-f0-9]{12}: pushed/);
    const inspected = await skopeoInspect(ref);
    assert.equal(inspected.Digest, digest);
    assert.equal(inspected.Os, 'linux');
    assert.equal(inspected.Architecture, arch);
    // buildkit's default PATH first, as a linux image FROM scratch gets it from `docker buildx build`.
    assert.deepEqual(inspected.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=hello there']);
    assert.deepEqual(inspected.Labels, { 'org.opencontainers.image.title': 'demo' });
    assert.equal(inspected.Created, '2023-11-14T22:13:20Z');
    assert.equal((inspected.Layers as string[]).length, 2);
    // Rebuilt in another data directory: the same digest; pushed again, every blob is skipped.
    const again = await hp(['image', 'build', '--data-dir', data('linux-2'), '-t', ref, '--platform', `linux/${arch}`, dir]);
    assert.match(again.stdout, new RegExp(digest));
    const pushed = await hp(['image', 'push', '--data-dir', data('linux-2'), ref]);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, /blobs: 0 pushed, 3 exists, 0 mounted/);
    const pulled = await hp(['image', 'pull', '--data-dir', data('linux-pull'), ref]);
    assert.equal(pulled.code, 0, pulled.stderr);
    const view = JSON.parse((await hp(['image', 'inspect', '--data-dir', data('linux-pull'), ref])).stdout) as { config: { Entrypoint: string[]; Cmd: string[]; WorkingDir: string }; rootfs: string };
    assert.deepEqual(view.config.Entrypoint, ['/bin/sh', '-c']);
    assert.deepEqual(view.config.Cmd, ['cat /hpc/app/hello.txt']);
    assert.equal(view.config.WorkingDir, '/app');
    assert.equal(readFileSync(join(view.rootfs, 'app', 'hello.txt'), 'utf8'), 'hello from linux\n');
  });

  test('a windows/amd64 image has Files/ and Hives/ layers and os.version; skopeo --override-os windows reads it; a build FROM it keeps its layers and os.version and mounts them', async () => {
    const dir = context('windows', WINDOWS);
    const ref = `${registry.host}/demo/windows-base:v1`;
    const built = await hp(['image', 'build', '--data-dir', data('windows'), '-t', ref, '--push', '--platform', 'windows/amd64', '--os-version', '10.0.17763.1', dir]);
    assert.equal(built.code, 0, built.stderr);
    const inspected = await skopeoInspect(ref, ['--override-os', 'windows']);
    assert.equal(inspected.Os, 'windows');
    assert.equal(inspected.Architecture, 'amd64');
    const { stdout: rawConfig } = await execFileAsync('skopeo', ['inspect', '--tls-verify=false', '--override-os', 'windows', '--config', `docker://${ref}`]);
    const config = JSON.parse(rawConfig) as { 'os.version': string; config: { WorkingDir: string; Env: string[] } };
    assert.equal(config['os.version'], '10.0.17763.1');
    assert.equal(config.config.WorkingDir, 'C:\\hpc');
    assert.deepEqual(config.config.Env, ['PATH=C:\\Windows\\system32;C:\\Windows']);
    const layerDir = join(scratch, 'windows-layout');
    await execFileAsync('skopeo', ['copy', '--src-tls-verify=false', '--override-os', 'windows', `docker://${ref}`, `dir:${layerDir}`]);
    const manifest = JSON.parse(readFileSync(join(layerDir, 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
    const { stdout: listing } = await execFileAsync('tar', ['tzf', join(layerDir, (manifest.layers[0]?.digest ?? '').slice(7))]);
    assert.deepEqual(listing.trim().split('\n'), ['Files', 'Hives', 'Files/hpc', 'Files/hpc/hello.txt']);

    const child = context('windows-child', `FROM ${ref}\nCOPY hello.txt app/\n`);
    const childRef = `${registry.host}/demo/windows-app:v1`;
    const childBuilt = await hp(['image', 'build', '--data-dir', data('windows-child'), '-t', childRef, '--push', '--platform', 'windows/amd64', child]);
    assert.equal(childBuilt.code, 0, childBuilt.stderr);
    assert.match(childBuilt.stderr, /mounted from another repository/);
    const childConfig = JSON.parse((await execFileAsync('skopeo', ['inspect', '--tls-verify=false', '--override-os', 'windows', '--config', `docker://${childRef}`])).stdout) as { 'os.version': string; rootfs: { diff_ids: string[] }; config: { Entrypoint: string[] } };
    assert.equal(childConfig['os.version'], '10.0.17763.1');
    assert.equal(childConfig.rootfs.diff_ids.length, 3);
    assert.deepEqual(childConfig.config.Entrypoint, ['cmd.exe', '/c', 'type', 'hello.txt']);
  });

  test('FROM a base shaped like Microsoft\'s HostProcess base (one plain Files/ layer with hives, no os.version): its layer and config are kept, the layer mounted, no os.version added', async () => {
    // As New-HostProcessBaseImage.ps1 makes it: `tar -cf layer.tar Files`, os windows, no os.version.
    const baseDir = join(scratch, 'ms-base');
    await writeOciLayout(
      baseDir,
      {
        os: 'windows',
        architecture: 'amd64',
        layers: [{ tar: await tarLayer([{ name: 'Files/', type: 'directory' }, { name: 'Files/License.txt', content: 'license' }, { name: 'Files/Windows/System32/config/SAM', content: 'regf' }]), compression: 'none' }],
        config: { config: { User: 'ContainerUser', Cmd: ['c:\\windows\\system32\\cmd.exe'] }, history: [{ created: '2023-01-01T00:00:00Z' }] },
      },
      'v1.0.0',
    );
    const baseRef = `${registry.host}/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0`;
    await push(registry, `oci:${baseDir}:v1.0.0`, 'oss/kubernetes/windows-host-process-containers-base-image:v1.0.0');
    const dir = context('ms-app', `ARG BASE=${baseRef}\nFROM $BASE\nCOPY bin/tool.sh /hpc/agent.ps1\nENTRYPOINT ["powershell.exe", "-File", "agent.ps1"]\n`);
    const ref = `${registry.host}/team/agent:v1`;
    const built = await hp(['image', 'build', '--data-dir', data('ms-app'), '-t', ref, '--push', '--platform', 'windows/amd64', dir]);
    assert.equal(built.code, 0, built.stderr);
    assert.doesNotMatch(built.stderr, /warning/);
    assert.match(built.stderr, /FROM .*windows-host-process-containers-base-image:v1\.0\.0 \(windows\/amd64\): pulling/);
    assert.match(built.stderr, /mounted from another repository/);
    const config = JSON.parse((await execFileAsync('skopeo', ['inspect', '--tls-verify=false', '--override-os', 'windows', '--config', `docker://${ref}`])).stdout) as Record<string, unknown> & { config: { User: string; Entrypoint: string[]; Cmd: unknown; Env?: string[] }; rootfs: { diff_ids: string[] }; history: unknown[] };
    assert.equal(config.os, 'windows');
    assert.equal(config['os.version'], undefined);
    assert.equal(config.config.User, 'ContainerUser');
    assert.equal(config.config.Env, undefined, 'no PATH is added to a windows image');
    assert.deepEqual(config.config.Entrypoint, ['powershell.exe', '-File', 'agent.ps1']);
    assert.equal(config.config.Cmd, undefined);
    assert.equal(config.rootfs.diff_ids.length, 2);
    assert.equal(config.history.length, 3);
    const manifest = JSON.parse((await execFileAsync('skopeo', ['inspect', '--tls-verify=false', '--override-os', 'windows', '--raw', `docker://${ref}`])).stdout) as { layers: { mediaType: string }[] };
    assert.deepEqual(
      manifest.layers.map((l) => l.mediaType),
      ['application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar+gzip'],
    );
  });

  test('--platform linux/amd64,linux/arm64,windows/amd64 pushes one OCI index; --output type=oci writes it as a layout tarball; chunked uploads', async () => {
    const dir = context('multi', 'FROM scratch\nCOPY hello.txt /hello.txt\n');
    const ref = `${registry.host}/demo/multi:v1`;
    const out = join(scratch, 'multi.tar');
    registry.clearRequests();
    const built = await hp(['image', 'build', '--data-dir', data('multi'), '-t', ref, '--push', '--chunk-size', '64', '--platform', 'linux/amd64,linux/arm64,windows/amd64', '--os-version', '10.0.20348.1', '--output', `type=oci,dest=${out}`, dir]);
    assert.equal(built.code, 0, built.stderr);
    // Layers larger than 64 bytes went up in PATCHed chunks.
    assert.ok((await registry.settledRequests()).filter((r) => r.startsWith('PATCH /v2/demo/multi/blobs/uploads/')).length >= 2, (await registry.settledRequests()).join('\n'));
    const { stdout } = await execFileAsync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`]);
    const index = JSON.parse(stdout) as { mediaType: string; manifests: { platform: Record<string, string> }[] };
    assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(
      index.manifests.map((m) => m.platform),
      [
        { architecture: 'amd64', os: 'linux' },
        { architecture: 'arm64', os: 'linux' },
        { architecture: 'amd64', os: 'windows', 'os.version': '10.0.20348.1' },
      ],
    );
    const fromTar = await skopeoInspect(ref, ['--override-arch', 'arm64']);
    assert.equal(fromTar.Architecture, 'arm64');
    const { stdout: layout } = await execFileAsync('skopeo', ['inspect', '--raw', `oci-archive:${out}`]);
    assert.equal((JSON.parse(layout) as { mediaType: string }).mediaType, 'application/vnd.oci.image.index.v1+json');
    const imported = await hp(['image', 'import', '--data-dir', data('multi-import'), '--name', 'localhost/multi:v1', out]);
    assert.equal(imported.code, 0, imported.stderr);
  });

  test('5xx answers and a cut connection during a push are retried, blob by blob and for the manifest', async () => {
    const dir = context('flaky', 'FROM scratch\nCOPY hello.txt /hello.txt\n');
    const store = new ImageStore(data('flaky'));
    const lease = store.beginLease('test');
    const built = await buildImage(store, { context: dir, file: join(dir, 'Containerfile'), epoch: 0 }, lease);
    let uploadFailures = 2;
    let manifestFailures = 1;
    let cuts = 1;
    // A proxy in front of the real registry: two 503s for blob uploads, one cut connection, one 502 for the manifest.
    const proxy = http.createServer((req, res) => {
      const url = req.url ?? '';
      if (req.method === 'PUT' && url.includes('/blobs/uploads/') && uploadFailures > 0) {
        uploadFailures--;
        req.resume();
        res.writeHead(503).end('try later');
        return;
      }
      if (req.method === 'PUT' && url.includes('/blobs/uploads/') && cuts > 0) {
        cuts--;
        req.socket.destroy();
        return;
      }
      if (req.method === 'PUT' && url.includes('/manifests/') && manifestFailures > 0) {
        manifestFailures--;
        req.resume();
        res.writeHead(502).end('bad gateway');
        return;
      }
      const upstream = http.request(`${registry.url}${url}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as { port: number }).port;
    const retries: string[] = [];
    try {
      const pushed = await pushImage(store, built.target, `127.0.0.1:${port}/demo/flaky:v1`, { plainHttp: true, retry: { attempts: 5, baseDelayMs: 10 }, progress: { retrying: (what) => retries.push(what) } });
      assert.equal(pushed.digest, built.target.digest);
      assert.equal(retries.length, 4, retries.join(', '));
      assert.ok(retries.some((r) => r.startsWith('manifest ')), retries.join(', '));
      const inspected = await skopeoInspect(`${registry.host}/demo/flaky:v1`);
      assert.equal(inspected.Digest, built.target.digest);
    } finally {
      proxy.close();
      store.endLease(lease);
    }
  });

  for (const auth of ['basic', 'token'] as const) {
    test(`${auth}: a push without credentials is refused naming the image; with the authfile it succeeds`, async () => {
      const secured = await startRegistry({ auth });
      try {
        const authfile = join(mkdtempSync(join(scratch, 'auth-')), 'config.json');
        writeFileSync(authfile, JSON.stringify({ auths: { [secured.host]: { auth: Buffer.from(`${secured.username ?? ''}:${secured.password ?? ''}`).toString('base64') } } }));
        const dir = context(`auth-${auth}`, 'FROM scratch\nCOPY hello.txt /hello.txt\n');
        const ref = `${secured.host}/private/app:v1`;
        const refused = await hp(['image', 'build', '--data-dir', data(`auth-${auth}`), '-t', ref, '--push', '--authfile', join(scratch, 'none.json'), dir]);
        assert.notEqual(refused.code, 0);
        // Basic: the registry's 401; token: the token service refuses anonymous pull,push.
        assert.match(refused.stderr, new RegExp(`(push access denied for ${ref.replace(/[.]/g, '\\.')}|refused anonymous access for repository:private/app:pull,push)[\\s\\S]*log in`));
        const pushed = await hp(['image', 'push', '--data-dir', data(`auth-${auth}`), '--authfile', authfile, ref]);
        assert.equal(pushed.code, 0, pushed.stderr);
        const inspected = await skopeoInspect(ref, [], authfile);
        assert.equal(inspected.Os, 'linux');
        if (auth === 'token') assert.ok(secured.tokenScopes().includes('repository:private/app:pull,push'), secured.tokenScopes().join(', '));
      } finally {
        await secured.stop();
      }
    });
  }

  describe('hostpod run', { skip: rootSkip() }, () => {
    const cgroupRoot = `hostpod-build-test-${process.pid}`;
    after(() => removeCgroupDirs(cgroupRoot));
    test('runs the built linux image: its files at $CONTAINER_SANDBOX_MOUNT_POINT, its ENV', async () => {
      const dir = context('run', LINUX.replace('WORKDIR /app\n', ''));
      const ref = `${registry.host}/demo/run:v1`;
      const built = await hp(['image', 'build', '--data-dir', data('run'), '-t', ref, '--push', dir]);
      assert.equal(built.code, 0, built.stderr);
      const config = join(scratch, 'run-config.yaml');
      writeFileSync(config, stringify({ runtime: { cgroup: { root: cgroupRoot } } }));
      const manifest = join(scratch, 'run-pod.yaml');
      writeFileSync(
        manifest,
        stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'built', namespace: 'default' },
          spec: {
            securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
            hostNetwork: true,
            restartPolicy: 'Never',
            containers: [{ name: 'app', image: ref, command: ['/bin/sh', '-c', 'cat "$CONTAINER_SANDBOX_MOUNT_POINT/app/hello.txt"; echo "$GREETING"'] }],
          },
        }),
      );
      const run = await runHostpod(['run', '--data-dir', data('run-pull'), '--config', config, '-f', manifest]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /hello from run\nhello there\n/);
    });
  });
});

after(() => rmSync(scratch, { recursive: true, force: true }));
