/**
 * `hostpod image import|export|rm|prune` with archives written by a real peer (skopeo): docker
 * save tarballs, OCI layout tarballs and directories; and exports that skopeo reads back.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { isHostpodError } from '../../src/errors.js';
import { importImages } from '../../src/runtime/image/import.js';
import { hostPlatform } from '../../src/runtime/image/platform.js';
import { ImageStore } from '../../src/runtime/image/store.js';
import { tarLayer, writeOciLayout } from '../support/oci-layout.js';
import { runHostpod } from '../support/hostpod-cli.js';
import { registrySkip } from '../support/registry.js';

const run = promisify(execFile);
const skip = registrySkip(['skopeo']);
const scratch = mkdtempSync(join(tmpdir(), 'hostpod-e2e-archive-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function cli(args: string[], stdinFile?: string) {
  return runHostpod(args, stdinFile === undefined ? {} : { stdinFile });
}

describe('image import and export with skopeo as the peer', { skip }, () => {
  const layoutDir = join(scratch, 'layout');
  let configDigest = '';

  before(async () => {
    const written = await writeOciLayout(
      layoutDir,
      {
        architecture: hostPlatform().architecture,
        // Uncompressed, so that the corruption test can find a layer's bytes in an archive.
        layers: [
          { tar: await tarLayer([{ name: 'etc/release', content: 'one\n' }, { name: 'bin/app', content: '#!/bin/sh\n', mode: 0o755 }]), compression: 'none' },
          { tar: await tarLayer([{ name: 'etc/release', content: 'two\n' }]), compression: 'none' },
        ],
      },
      'v1',
    );
    configDigest = written.configDigest;
  });

  test('docker save tarball (written by skopeo docker-archive), from a file and from stdin', async () => {
    const archive = join(scratch, 'saved.tar');
    await run('skopeo', ['copy', `oci:${layoutDir}:v1`, `docker-archive:${archive}:example.com/team/app:v1`]);
    const dataDir = mkdtempSync(join(scratch, 'data-'));
    const result = await cli(['image', 'import', '--data-dir', dataDir, archive]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^example\.com\/team\/app:v1: imported, image ID [a-f0-9]{12}\n$/);
    const store = new ImageStore(dataDir);
    const record = store.get('example.com/team/app:v1');
    assert.equal(record.config, configDigest, 'the image ID survives the round trip');
    assert.equal(readFileSync(join(store.rootfs(record) as string, 'etc/release'), 'utf8'), 'two\n');

    const fromStdin = await cli(['image', 'import', '--data-dir', mkdtempSync(join(scratch, 'data-')), '-'], archive);
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.match(fromStdin.stdout, /example\.com\/team\/app:v1: imported/);
  });

  test('OCI layout directory and OCI archive; a bare tag needs --name', async () => {
    const store = new ImageStore(mkdtempSync(join(scratch, 'data-')));
    await assert.rejects(importImages(store, layoutDir, process.stdin), (e: unknown) => isHostpodError(e, 'ERR_HOSTPOD_IMPORT') && /tagged "v1" without a repository/.test(e.message) && /--name/.test(e.hint ?? ''));
    const [fromDir] = await importImages(store, layoutDir, process.stdin, { name: 'localhost/app' });
    assert.equal(fromDir?.name, 'localhost/app:v1');
    const ociArchive = join(scratch, 'oci.tar');
    await run('skopeo', ['copy', `oci:${layoutDir}:v1`, `oci-archive:${ociArchive}:registry.lan/app:v1`]);
    const [fromTar] = await importImages(store, ociArchive, process.stdin);
    assert.equal(fromTar?.name, 'registry.lan/app:v1');
    assert.equal(fromTar?.config, configDigest);
  });

  test('export writes an OCI archive that skopeo reads and hostpod imports again', async () => {
    const dataDir = mkdtempSync(join(scratch, 'data-'));
    const store = new ImageStore(dataDir);
    await importImages(store, layoutDir, process.stdin, { name: 'example.com/export/app:v1' });
    const out = join(scratch, 'export.tar');
    const result = await cli(['image', 'export', '--data-dir', dataDir, 'example.com/export/app:v1', '-o', out]);
    assert.equal(result.code, 0, result.stderr);
    const inspected = JSON.parse((await run('skopeo', ['inspect', '--config', `oci-archive:${out}:v1`])).stdout) as { rootfs: { diff_ids: string[] } };
    assert.equal(inspected.rootfs.diff_ids.length, 2);
    const copied = join(scratch, 'copied');
    await run('skopeo', ['copy', `oci-archive:${out}:v1`, `dir:${copied}`]);
    const again = new ImageStore(mkdtempSync(join(scratch, 'data-')));
    const [record] = await importImages(again, out, process.stdin);
    assert.equal(record?.name, 'example.com/export/app:v1');
    assert.equal(record?.config, configDigest);
  });

  test('a corrupted archive is refused and nothing is recorded', async () => {
    const source = new ImageStore(mkdtempSync(join(scratch, 'data-')));
    await importImages(source, layoutDir, process.stdin, { name: 'bad/app:v1' });
    const archive = join(scratch, 'corrupt.tar');
    const exported = await cli(['image', 'export', '--data-dir', source.dataDir, 'bad/app:v1', '-o', archive]);
    assert.equal(exported.code, 0, exported.stderr);
    const bytes = readFileSync(archive);
    // Flip a byte inside the last layer's data (hostpod exports blobs as they are: uncompressed here).
    const marker = bytes.indexOf(Buffer.from('two\n'));
    assert.ok(marker > 0, 'layer content is stored uncompressed in the test layout');
    bytes[marker] = 't'.charCodeAt(0) ^ 0x20;
    writeFileSync(archive, bytes);
    const store = new ImageStore(mkdtempSync(join(scratch, 'data-')));
    await assert.rejects(importImages(store, archive, process.stdin), (e: unknown) => isHostpodError(e, 'ERR_HOSTPOD_BLOB_INVALID') && /the file is corrupted/.test(e.message));
    assert.deepEqual(store.list(), []);
    const corrupt = await cli(['image', 'import', '--data-dir', store.dataDir, archive]);
    assert.equal(corrupt.code, 2, 'a damaged archive is an input error, as a damaged manifest is to lint');
    assert.match(corrupt.stderr, /^error: .*corrupt\.tar: .* the file is corrupted\n {2}hint: re-create the archive/);
    assert.deepEqual(store.list(), []);
    const garbage = join(scratch, 'garbage.tar');
    writeFileSync(garbage, 'this is not a tarball');
    const result = await cli(['image', 'import', '--data-dir', store.dataDir, garbage]);
    assert.equal(result.code, 2, 'an invalid input file is an input error');
    assert.match(result.stderr, /^error: .*garbage\.tar: (not a readable tar archive|it has neither manifest\.json)/);
  });

  test('a layout whose second image is broken fails cleanly, recording nothing', async () => {
    const dir = join(scratch, 'two-images');
    await writeOciLayout(dir, { architecture: hostPlatform().architecture, layers: [{ tar: await tarLayer([{ name: 'a', content: 'a' }]) }] }, 'one');
    const second = await writeOciLayout(dir, { architecture: hostPlatform().architecture, layers: [{ tar: await tarLayer([{ name: 'b', content: 'b' }]) }] }, 'two');
    rmSync(join(dir, 'blobs/sha256', second.layerDigests[0]?.slice(7) ?? ''));
    const store = new ImageStore(mkdtempSync(join(scratch, 'data-')));
    await assert.rejects(importImages(store, dir, process.stdin, { name: 'example.com/two' }), (e: unknown) => isHostpodError(e) && /is referenced but blobs\/sha256\/[a-f0-9]+ is missing/.test(e.message));
    const cli2 = await cli(['image', 'import', '--data-dir', store.dataDir, '--name', 'example.com/two', dir]);
    assert.equal(cli2.code, 2, 'an input error, not a crash');
    assert.doesNotMatch(cli2.stderr, /internal error|Unhandled/);
    assert.deepEqual(store.list(), []);
  });

  test('a damaged image list and an export to a missing directory are errors, not crashes', async () => {
    const dataDir = mkdtempSync(join(scratch, 'data-'));
    assert.equal((await cli(['image', 'ls', '--data-dir', dataDir])).code, 0);
    writeFileSync(join(dataDir, 'images/images.json'), '{"images": [');
    const ls = await cli(['image', 'ls', '--data-dir', dataDir]);
    assert.equal(ls.code, 1);
    assert.match(ls.stderr, /^error: the image list .*images\.json cannot be read: .*\n {2}hint: the file was damaged outside hostpod/);
    const fresh = mkdtempSync(join(scratch, 'data-'));
    const exported = await cli(['image', 'export', '--data-dir', fresh, 'localhost/hostprocess-base', '-o', join(scratch, 'no/such/dir/x.tar')]);
    assert.equal(exported.code, 1);
    assert.match(exported.stderr, /^error: cannot write .*x\.tar: directory .*no\/such\/dir does not exist/);
  });

  test('rm refuses an image a container uses unless forced; prune removes what nothing references', async () => {
    const store = new ImageStore(mkdtempSync(join(scratch, 'data-')));
    const [image] = await importImages(store, layoutDir, process.stdin, { name: 'example.com/rm/app:v1' });
    assert.ok(image);
    store.leaseForContainer('c1', image);
    await assert.rejects(store.remove('example.com/rm/app:v1', false), (e: unknown) => isHostpodError(e, 'ERR_HOSTPOD_IMAGE_IN_USE') && /in use by container c1/.test(e.message));
    const forced = await store.remove('example.com/rm/app:v1', true);
    assert.equal(forced.gc.blobs, 0, 'the container keeps the content alive');
    assert.ok(store.content.has(image.layers[0]?.digest ?? ''));
    store.releaseContainer('c1');
    const pruned = await store.gc(false);
    assert.equal(pruned.blobs, 2 + image.layers.length, 'manifest, config and layers go');
    assert.equal(pruned.snapshots, image.layers.length);
    assert.deepEqual(store.content.list(), []);
    assert.deepEqual(store.snapshots.list(), []);
  });

  test('ls, inspect and the built-in base image need no registry', async () => {
    const dataDir = mkdtempSync(join(scratch, 'data-'));
    const ls = await cli(['image', 'ls', '--data-dir', dataDir]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^IMAGE\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\nlocalhost\/hostprocess-base\s+latest\s+[a-f0-9]{12}/);
    const inspect = await cli(['image', 'inspect', '--data-dir', dataDir, 'localhost/hostprocess-base']);
    const view = JSON.parse(inspect.stdout) as { name: string; platform: string; rootfs: string; source: string };
    assert.equal(view.name, 'localhost/hostprocess-base:latest');
    assert.equal(view.platform, `linux/${hostPlatform().architecture}`);
    assert.equal(view.source, 'builtin');
    const pulled = await cli(['image', 'pull', '--data-dir', dataDir, 'localhost/hostprocess-base:latest']);
    assert.equal(pulled.code, 0, pulled.stderr);
    const missing = await cli(['image', 'inspect', '--data-dir', dataDir, 'nosuch/image']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /error: image "nosuch\/image" is not in the store\n {2}hint: list images with hostpod image ls/);
  });
});
