import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isHostpodError } from '../../../src/errors.js';
import { sha256 } from '../../../src/runtime/image/digest.js';
import { MediaType } from '../../../src/runtime/image/oci.js';
import type { LayerRecord } from '../../../src/runtime/image/records.js';
import { ImageStore } from '../../../src/runtime/image/store.js';
import { applyLayer } from '../../../src/runtime/image/unpack.js';
import { tarLayer, type LayerEntry } from '../../support/oci-layout.js';

const isRoot = process.getuid?.() === 0;
const scratch = mkdtempSync(join(tmpdir(), 'hostpod-unpack-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;

/** A fresh root inside a fresh directory, so that anything written beside the root is visible. */
function freshRoot(): { root: string; outside: string } {
  const base = join(scratch, `case-${++counter}`);
  const root = join(base, 'rootfs');
  rmSync(base, { recursive: true, force: true });
  const outside = join(base, 'outside');
  for (const dir of [root, outside]) mkdirSync(dir, { recursive: true });
  return { root, outside };
}

async function apply(root: string, entries: LayerEntry[], asRoot = isRoot) {
  return applyLayer(root, Readable.from(await tarLayer(entries)), { asRoot });
}

async function rejects(promise: Promise<unknown>, entry: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isHostpodError(error, 'ERR_HOSTPOD_LAYER_UNSAFE'), `expected an unsafe-layer error, got ${String(error)}`);
    assert.match(error.message, new RegExp(`layer entry "${entry.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
    assert.match(error.message, pattern);
    return true;
  });
}

describe('applyLayer: ordinary content', () => {
  test('files, directories, symbolic and hard links keep their content, modes and times', async () => {
    const { root } = freshRoot();
    const mtime = new Date('2021-05-06T07:08:09Z');
    const result = await apply(root, [
      { name: 'etc/', type: 'directory', mode: 0o755 },
      { name: 'etc/motd', content: 'hello\n', mode: 0o640, mtime },
      { name: './usr/bin/tool', content: '#!/bin/sh\n', mode: 0o755 },
      { name: 'usr/bin/alias', type: 'symlink', linkname: 'tool' },
      { name: 'usr/bin/hard', type: 'link', linkname: 'usr/bin/tool' },
      { name: 'ro/', type: 'directory', mode: 0o555 },
      { name: 'ro/inside', content: 'x' },
    ]);
    assert.equal(readFileSync(join(root, 'etc/motd'), 'utf8'), 'hello\n');
    assert.equal(statSync(join(root, 'etc/motd')).mode & 0o7777, 0o640);
    assert.equal(statSync(join(root, 'etc/motd')).mtime.toISOString(), mtime.toISOString());
    assert.equal(readlinkSync(join(root, 'usr/bin/alias')), 'tool');
    assert.equal(statSync(join(root, 'usr/bin/hard')).ino, statSync(join(root, 'usr/bin/tool')).ino);
    assert.equal(readFileSync(join(root, 'ro/inside'), 'utf8'), 'x');
    assert.equal(result.bytes, 'hello\n'.length + '#!/bin/sh\n'.length + 1);
    assert.deepEqual(result.skipped, []);
  });

  test('setuid and setgid bits are kept only when running as root', async () => {
    const entries: LayerEntry[] = [{ name: 'bin/su', content: 'x', mode: 0o4755 }, { name: 'bin/wall', content: 'x', mode: 0o2755 }];
    const asRoot = freshRoot();
    if (isRoot) {
      await apply(asRoot.root, entries, true);
      assert.equal(statSync(join(asRoot.root, 'bin/su')).mode & 0o7777, 0o4755);
      assert.equal(statSync(join(asRoot.root, 'bin/wall')).mode & 0o7777, 0o2755);
    }
    const notRoot = freshRoot();
    await apply(notRoot.root, entries, false);
    assert.equal(statSync(join(notRoot.root, 'bin/su')).mode & 0o7777, 0o755);
    assert.equal(statSync(join(notRoot.root, 'bin/wall')).mode & 0o7777, 0o755);
  });

  test('ownership is preserved as root', { skip: isRoot ? false : 'needs root to chown' }, async () => {
    const { root } = freshRoot();
    await apply(root, [{ name: 'owned', content: 'x', uid: 1234, gid: 2345 }, { name: 'link', type: 'symlink', linkname: 'owned', uid: 7, gid: 8 }], true);
    assert.equal(statSync(join(root, 'owned')).uid, 1234);
    assert.equal(statSync(join(root, 'owned')).gid, 2345);
    assert.equal(lstatSync(join(root, 'link')).uid, 7);
  });

  test('a later entry replaces an earlier one of another type', async () => {
    const { root } = freshRoot();
    await apply(root, [
      { name: 'a', content: 'file' },
      { name: 'a/', type: 'directory' },
      { name: 'a/b', content: 'inside' },
      { name: 'c/', type: 'directory' },
      { name: 'c/d', content: 'x' },
      { name: 'c', type: 'symlink', linkname: 'a' },
    ]);
    assert.ok(lstatSync(join(root, 'a')).isDirectory());
    assert.ok(lstatSync(join(root, 'c')).isSymbolicLink());
  });
});

describe('applyLayer: entries that try to leave the root', () => {
  test('a ".." component is refused and nothing is written outside', async () => {
    const { root, outside } = freshRoot();
    await rejects(apply(root, [{ name: '../outside/evil', content: 'pwned' }]), '../outside/evil', /"\.\." component/);
    await rejects(apply(root, [{ name: 'usr/../../outside/evil', content: 'pwned' }]), 'usr/../../outside/evil', /"\.\." component/);
    assert.deepEqual(readdirSync(outside), []);
  });

  test('an absolute path is taken relative to the root', async () => {
    const { root } = freshRoot();
    await apply(root, [{ name: '/etc/hostname', content: 'contained' }]);
    assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'contained');
  });

  test('writing through a symbolic link stays inside the root, absolute or relative', async () => {
    const { root, outside } = freshRoot();
    await apply(root, [
      { name: 'abs', type: 'symlink', linkname: outside },
      { name: 'abs/pwned', content: 'x' },
      { name: 'rel', type: 'symlink', linkname: '../../../../../../outside' },
      { name: 'rel/pwned2', content: 'y' },
      { name: 'loop', type: 'symlink', linkname: 'loop/..' },
      { name: 'deep/er/link', type: 'symlink', linkname: '/target' },
      { name: 'deep/er/link/file', content: 'z' },
    ]);
    assert.equal(readFileSync(join(root, 'target/file'), 'utf8'), 'z', 'an absolute link resolves from the root of the image');
    assert.deepEqual(readdirSync(outside), [], 'nothing may be written outside the root');
    assert.equal(readFileSync(join(root, outside, 'pwned'), 'utf8'), 'x');
    assert.equal(readFileSync(join(root, 'outside/pwned2'), 'utf8'), 'y');
    assert.equal(readlinkSync(join(root, 'abs')), outside, 'the link itself is kept as the image has it');
  });

  test('a symbolic-link loop in a parent is an error naming the entry', async () => {
    const { root } = freshRoot();
    await rejects(apply(root, [{ name: 'a', type: 'symlink', linkname: 'b' }, { name: 'b', type: 'symlink', linkname: 'a' }, { name: 'a/file', content: 'x' }]), 'a/file', /too many levels of symbolic links/);
  });

  test('a file entry replaces a symbolic link instead of writing through it', async () => {
    const { root, outside } = freshRoot();
    const victim = join(outside, 'victim');
    writeFileSync(victim, 'original');
    await apply(root, [{ name: 'f', type: 'symlink', linkname: victim }, { name: 'f', content: 'replaced' }]);
    assert.equal(readFileSync(victim, 'utf8'), 'original');
    assert.equal(readFileSync(join(root, 'f'), 'utf8'), 'replaced');
  });

  test('a directory replaced by a link later in the layer does not pass its mode on through the link', async () => {
    const { root, outside } = freshRoot();
    const target = join(outside, 'victim-dir');
    mkdirSync(target, { mode: 0o755 });
    await apply(root, [{ name: 'd/', type: 'directory', mode: 0o777 }, { name: 'd', type: 'symlink', linkname: target }]);
    assert.equal(statSync(target).mode & 0o777, 0o755);
  });

  test('a parent directory replaced by a link later in the layer does not pass modes or times on either', async () => {
    const { root, outside } = freshRoot();
    mkdirSync(join(outside, 'etc'), { mode: 0o755 });
    const before = statSync(join(outside, 'etc'));
    await apply(root, [{ name: 'x/etc/', type: 'directory', mode: 0o7777, mtime: new Date('1999-09-09T00:00:00Z') }, { name: 'x', type: 'symlink', linkname: outside }]);
    await apply(root, [{ name: 'y/etc/', type: 'directory', mode: 0o777 }, { name: '.wh.y' }, { name: 'y', type: 'symlink', linkname: '../outside' }]);
    const after = statSync(join(outside, 'etc'));
    assert.equal(after.mode & 0o7777, 0o755);
    assert.equal(after.mtimeMs, before.mtimeMs);
  });

  test('a hard link cannot replace a directory that holds its own target', async () => {
    const { root } = freshRoot();
    await rejects(apply(root, [{ name: 'a/d/e', content: 'x' }, { name: 'a/d', type: 'link', linkname: 'a/d/e' }]), 'a/d', /lies inside the entry it would replace/);
  });

  test('not root, a read-only root entry keeps the snapshot writable by its owner', async () => {
    const { root } = freshRoot();
    await apply(root, [{ name: './', type: 'directory', mode: 0o4555 }, { name: 'f', content: 'x' }], false);
    assert.equal(statSync(root).mode & 0o7777, 0o755);
  });

  test('hard links must point inside the image', async () => {
    const { root, outside } = freshRoot();
    const victim = join(outside, 'secret');
    writeFileSync(victim, 'secret');
    await rejects(apply(root, [{ name: 'hl', type: 'link', linkname: '../../outside/secret' }]), 'hl', /link target ".*" has a "\.\." component/);
    await rejects(apply(root, [{ name: 'hl', type: 'link', linkname: victim }]), 'hl', /does not exist in the image/);
    await rejects(apply(root, [{ name: 'esc', type: 'symlink', linkname: outside }, { name: 'hl', type: 'link', linkname: 'esc/secret' }]), 'hl', /does not exist in the image/);
    assert.equal(statSync(victim).nlink, 1, 'the host file gained no link');
  });

  test('device nodes: harmless ones only as root, never block devices', async () => {
    const { root } = freshRoot();
    const entries: LayerEntry[] = [
      { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0, mode: 0o660 },
      { name: 'dev/mem', type: 'character-device', devmajor: 1, devminor: 1, mode: 0o640 },
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'run/pipe', type: 'fifo', mode: 0o600 },
    ];
    const asUser = await apply(root, entries, false);
    assert.deepEqual(
      asUser.skipped.map((s) => s.path),
      ['dev/sda', 'dev/mem', 'dev/null', 'run/pipe'],
    );
    assert.match(asUser.skipped[0]?.reason ?? '', /only root may create device nodes/);
    assert.ok(!existsSync(join(root, 'dev/null')));
    if (!isRoot) return;
    const second = freshRoot();
    const asRoot = await apply(second.root, entries, true);
    assert.deepEqual(
      asRoot.skipped.map((s) => `${s.path}: ${s.reason}`),
      ['dev/sda: block device 8:0 would give the container raw access to host hardware', 'dev/mem: character device 1:1 would give the container raw access to host hardware'],
    );
    assert.ok(lstatSync(join(second.root, 'dev/null')).isCharacterDevice());
    assert.ok(lstatSync(join(second.root, 'run/pipe')).isFIFO());
    assert.ok(!existsSync(join(second.root, 'dev/sda')));
  });
});

describe('ImageStore.unpack: layers, whiteouts and snapshots', () => {
  const dataDir = join(scratch, 'store');
  const store = new ImageStore(dataDir);

  async function layer(entries: LayerEntry[], compression: 'gzip' | 'none' = 'gzip'): Promise<LayerRecord> {
    const tarBytes = await tarLayer(entries);
    const blob = compression === 'gzip' ? gzipSync(tarBytes) : tarBytes;
    const digest = store.content.writeBuffer(blob);
    return { digest, size: blob.length, mediaType: compression === 'gzip' ? MediaType.ociLayerGzip : MediaType.ociLayer, diffId: sha256(tarBytes) };
  }

  test('whiteouts remove lower files; opaque directories hide lower contents but keep their own', async () => {
    const base = await layer([
      { name: 'keep', content: 'k' },
      { name: 'gone', content: 'g' },
      { name: 'dir/', type: 'directory' },
      { name: 'dir/lower', content: 'l' },
      { name: 'tree/sub/deep', content: 'd' },
    ]);
    const upper = await layer([
      { name: '.wh.gone' },
      { name: '.wh.tree' },
      { name: 'dir/', type: 'directory' },
      { name: 'dir/upper', content: 'u' },
      { name: 'dir/.wh..wh..opq' },
      { name: '.wh.never-existed' },
      { name: 'implied/sub/own', content: 'o' },
      { name: 'implied/.wh..wh..opq' },
    ]);
    await store.unpack([base, upper], 'test image');
    const rootfs = store.snapshots.rootfs(chainTop([base, upper]));
    assert.deepEqual(readdirSync(rootfs).sort(), ['dir', 'implied', 'keep']);
    assert.deepEqual(readdirSync(join(rootfs, 'dir')), ['upper']);
    assert.equal(readFileSync(join(rootfs, 'implied/sub/own'), 'utf8'), 'o', "an opaque marker keeps the layer's own files in directories it implied");
    // The base snapshot is untouched by the layer above it.
    const lower = store.snapshots.rootfs(base.diffId);
    assert.deepEqual(readdirSync(lower).sort(), ['dir', 'gone', 'keep', 'tree']);
    assert.deepEqual(readdirSync(join(lower, 'dir')), ['lower']);
  });

  test('a whiteout cannot name ".." or reach outside', async () => {
    const { outside } = freshRoot();
    writeFileSync(join(outside, 'precious'), 'p');
    const base = await layer([{ name: 'esc', type: 'symlink', linkname: outside }]);
    const abuse = await layer([{ name: 'esc/.wh.precious' }]);
    await store.unpack([base, abuse], 'whiteout through a link');
    assert.equal(readFileSync(join(outside, 'precious'), 'utf8'), 'p');
    for (const name of ['.wh...', 'x/.wh.', '.wh..wh.x']) {
      const bad = await layer([{ name }]);
      await assert.rejects(store.unpack([base, bad], 'bad whiteout'), (error: unknown) => {
        assert.ok(isHostpodError(error, 'ERR_HOSTPOD_LAYER_UNSAFE'), String(error));
        assert.match(error.message, /layer 2\/2 \(sha256:[a-f0-9]{64}\) of bad whiteout: layer entry/);
        return true;
      });
    }
    const traversal = await layer([{ name: '../.wh.precious' }]);
    await assert.rejects(store.unpack([base, traversal], 'traversal whiteout'), /"\.\." component/);
    assert.equal(readFileSync(join(outside, 'precious'), 'utf8'), 'p');
  });

  test('a failed layer leaves no snapshot and no work directory behind', async () => {
    const bad = await layer([{ name: 'ok', content: 'x' }, { name: '../evil', content: 'x' }]);
    const before = store.snapshots.list().length;
    await assert.rejects(store.unpack([bad], 'evil image'), /layer 1\/1 .* of evil image: layer entry "..\/evil"/);
    assert.equal(store.snapshots.list().length, before);
    assert.deepEqual(readdirSync(join(dataDir, 'images/snapshots/tmp')), []);
  });

  test('a layer whose content does not match its diff ID is refused', async () => {
    const good = await layer([{ name: 'a', content: 'x' }], 'none');
    const lying = { ...good, diffId: sha256('something else') };
    await assert.rejects(store.unpack([lying], 'lying image'), /uncompressed content has digest sha256:[a-f0-9]+, and the image config says/);
  });

  test('an unreadable layer is an error, not a crash', async () => {
    const digest = store.content.writeBuffer(Buffer.from('not gzip at all'));
    const broken: LayerRecord = { digest, size: 15, mediaType: MediaType.ociLayerGzip, diffId: sha256('x') };
    await assert.rejects(store.unpack([broken], 'broken image'), (error: unknown) => isHostpodError(error, 'ERR_HOSTPOD_LAYER_CORRUPT') && /broken image/.test(error.message));
  });
});

function chainTop(layers: LayerRecord[]): string {
  let id = '';
  for (const l of layers) id = id === '' ? l.diffId : sha256(`${id} ${l.diffId}`);
  return id;
}
