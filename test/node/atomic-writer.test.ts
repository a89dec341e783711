/**
 * The atomic writer of API-backed volumes, as a reader of the volume sees it: each key is
 * readable through a top-level link into `..data`, nested paths and file modes are kept, an
 * unchanged write changes nothing, an update swaps `..data` to a new version directory and
 * clears the old version and the links of keys that are gone, and paths that would leave the
 * volume are refused.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { safeRelativePath, writeAtomically, type Projected } from '../../src/node/volumes/atomic-writer.js';

const file = (text: string, mode = 0o644): Projected => ({ content: Buffer.from(text), mode });
const modeOf = (path: string): number => statSync(path).mode & 0o777;
/** The writer's hidden entries (`..data` and version directories), sorted. */
const hidden = (dir: string): string[] => readdirSync(dir).filter((name) => name.startsWith('..')).sort();
/** The visible entries (the top-level links), sorted. */
const visible = (dir: string): string[] => readdirSync(dir).filter((name) => !name.startsWith('..')).sort();

let root: string;
let savedUmask: number;
let count = 0;
/** A fresh volume directory, not yet created (the writer makes it). */
const volumeDir = (): string => join(root, `volume-${++count}`);

before(() => {
  root = mkdtempSync(join(tmpdir(), 'hostpod-atomic-writer-'));
  // The modes below survive this umask; set it so the results do not depend on the caller's.
  savedUmask = process.umask(0o022);
});
after(() => {
  process.umask(savedUmask);
  rmSync(root, { recursive: true, force: true });
});

describe('writeAtomically', () => {
  test('makes each key readable through a top-level link into ..data, with its mode', () => {
    const dir = volumeDir();
    const changed = writeAtomically(dir, new Map([
      ['app.conf', file('listen 80\n')],
      ['secret.key', file('s3cr3t', 0o600)],
      ['run.sh', file('#!/bin/sh\n', 0o755)],
    ]));
    assert.equal(changed, true);
    assert.deepEqual(visible(dir), ['app.conf', 'run.sh', 'secret.key']);
    assert.equal(readFileSync(join(dir, 'app.conf'), 'utf8'), 'listen 80\n');
    assert.equal(readFileSync(join(dir, 'secret.key'), 'utf8'), 's3cr3t');
    assert.equal(readFileSync(join(dir, 'run.sh'), 'utf8'), '#!/bin/sh\n');
    for (const name of visible(dir)) {
      assert.equal(lstatSync(join(dir, name)).isSymbolicLink(), true, name);
      assert.equal(readlinkSync(join(dir, name)), join('..data', name));
    }
    assert.equal(modeOf(join(dir, 'app.conf')), 0o644);
    assert.equal(modeOf(join(dir, 'secret.key')), 0o600);
    assert.equal(modeOf(join(dir, 'run.sh')), 0o755);
    const version = readlinkSync(join(dir, '..data'));
    assert.match(version, /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$/);
    assert.deepEqual(hidden(dir), [version, '..data'].sort());
    assert.equal(lstatSync(join(dir, version)).isDirectory(), true);
    assert.deepEqual(readdirSync(join(dir, version)).sort(), ['app.conf', 'run.sh', 'secret.key']);
  });

  test('writes nested paths under one top-level link per first element', () => {
    const dir = volumeDir();
    writeAtomically(dir, new Map([
      ['conf/nginx/site.conf', file('server {}', 0o640)],
      ['conf/mime.types', file('text/html html')],
      ['top', file('t', 0o400)],
    ]));
    assert.deepEqual(visible(dir), ['conf', 'top']);
    assert.equal(lstatSync(join(dir, 'conf')).isSymbolicLink(), true);
    assert.equal(readlinkSync(join(dir, 'conf')), join('..data', 'conf'));
    assert.equal(readFileSync(join(dir, 'conf', 'nginx', 'site.conf'), 'utf8'), 'server {}');
    assert.equal(readFileSync(join(dir, 'conf', 'mime.types'), 'utf8'), 'text/html html');
    assert.equal(readFileSync(join(dir, 'top'), 'utf8'), 't');
    assert.equal(modeOf(join(dir, 'conf', 'nginx', 'site.conf')), 0o640);
    assert.equal(modeOf(join(dir, 'conf', 'mime.types')), 0o644);
    assert.equal(modeOf(join(dir, 'top')), 0o400);
    assert.equal(modeOf(join(dir, 'conf', 'nginx')), 0o755);
  });

  test('keeps binary content byte for byte', () => {
    const dir = volumeDir();
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x0a]);
    writeAtomically(dir, new Map([['blob.bin', { content: bytes, mode: 0o644 }]]));
    assert.deepEqual(readFileSync(join(dir, 'blob.bin')), bytes);
  });

  test('a second write of the same files returns false and changes nothing', () => {
    const dir = volumeDir();
    const files = new Map([['a', file('1')], ['sub/b', file('2', 0o600)]]);
    assert.equal(writeAtomically(dir, files), true);
    const version = readlinkSync(join(dir, '..data'));
    const before = readdirSync(dir).sort();
    // An equal map built afresh, not the same object.
    assert.equal(writeAtomically(dir, new Map([['sub/b', file('2', 0o600)], ['a', file('1')]])), false);
    assert.equal(readlinkSync(join(dir, '..data')), version);
    assert.deepEqual(readdirSync(dir).sort(), before);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), '1');
    assert.equal(readFileSync(join(dir, 'sub', 'b'), 'utf8'), '2');
  });

  test('a change of content, of mode, or of the set of keys counts as a change', () => {
    const dir = volumeDir();
    writeAtomically(dir, new Map([['a', file('1')], ['b', file('2')]]));
    assert.equal(writeAtomically(dir, new Map([['a', file('1')], ['b', file('2!')]])), true);
    assert.equal(readFileSync(join(dir, 'b'), 'utf8'), '2!');
    assert.equal(writeAtomically(dir, new Map([['a', file('1')], ['b', file('2!', 0o600)]])), true);
    assert.equal(modeOf(join(dir, 'b')), 0o600);
    assert.equal(writeAtomically(dir, new Map([['a', file('1')]])), true);
    assert.deepEqual(visible(dir), ['a']);
    assert.equal(writeAtomically(dir, new Map([['a', file('1')], ['c', file('3')]])), true);
    assert.deepEqual(visible(dir), ['a', 'c']);
    assert.equal(writeAtomically(dir, new Map([['a', file('1')], ['c', file('3')]])), false);
  });

  test('an update swaps ..data to a new version and removes the old version and the links of keys gone', () => {
    const dir = volumeDir();
    writeAtomically(dir, new Map([['keep', file('old')], ['gone', file('x')], ['nested/gone', file('y')]]));
    const first = readlinkSync(join(dir, '..data'));
    assert.deepEqual(visible(dir), ['gone', 'keep', 'nested']);

    assert.equal(writeAtomically(dir, new Map([['keep', file('new')], ['added/file', file('z', 0o600)]])), true);
    const second = readlinkSync(join(dir, '..data'));
    assert.notEqual(second, first);
    assert.equal(existsSync(join(dir, first)), false);
    assert.deepEqual(hidden(dir), [second, '..data'].sort());
    assert.deepEqual(visible(dir), ['added', 'keep']);
    assert.equal(readFileSync(join(dir, 'keep'), 'utf8'), 'new');
    assert.equal(readFileSync(join(dir, 'added', 'file'), 'utf8'), 'z');
    assert.equal(modeOf(join(dir, 'added', 'file')), 0o600);
    assert.equal(existsSync(join(dir, 'gone')), false);
    assert.equal(existsSync(join(dir, 'nested')), false);
    assert.deepEqual(readdirSync(join(dir, second)).sort(), ['added', 'keep']);
  });

  test('an empty set of files leaves an empty ..data and no links', () => {
    const dir = volumeDir();
    writeAtomically(dir, new Map([['a', file('1')]]));
    assert.equal(writeAtomically(dir, new Map()), true);
    assert.deepEqual(visible(dir), []);
    const version = readlinkSync(join(dir, '..data'));
    assert.deepEqual(hidden(dir), [version, '..data'].sort());
    assert.deepEqual(readdirSync(join(dir, '..data')), []);
    assert.equal(writeAtomically(dir, new Map()), false);
  });

  test('an update removes only its own links: a regular file in the directory stays', () => {
    const dir = volumeDir();
    writeAtomically(dir, new Map([['a', file('1')]]));
    writeFileSync(join(dir, 'local.txt'), 'mine');
    writeAtomically(dir, new Map([['b', file('2')]]));
    assert.deepEqual(visible(dir), ['b', 'local.txt']);
    assert.equal(readFileSync(join(dir, 'local.txt'), 'utf8'), 'mine');
  });

  test('keeps modes with group or other write bits (0o664, 0o777) under a 022 umask', () => {
    const dir = volumeDir();
    const files = new Map([['shared', file('s', 0o664)], ['tool', file('t', 0o777)]]);
    writeAtomically(dir, files);
    assert.equal(modeOf(join(dir, 'shared')), 0o664);
    assert.equal(modeOf(join(dir, 'tool')), 0o777);
    assert.equal(writeAtomically(dir, files), false);
  });
});

describe('safeRelativePath', () => {
  test('accepts relative paths, normalised', () => {
    assert.equal(safeRelativePath('key'), 'key');
    assert.equal(safeRelativePath('dir/sub/key'), 'dir/sub/key');
    assert.equal(safeRelativePath('./key'), 'key');
    assert.equal(safeRelativePath('dir//key'), 'dir/key');
    assert.equal(safeRelativePath('dir/./key'), 'dir/key');
    assert.equal(safeRelativePath('name..with.dots'), 'name..with.dots');
  });

  test('refuses empty and absolute paths', () => {
    assert.equal(safeRelativePath(''), undefined);
    assert.equal(safeRelativePath('/etc/passwd'), undefined);
    assert.equal(safeRelativePath('/'), undefined);
    assert.equal(safeRelativePath('//key'), undefined);
  });

  test('refuses paths with .. elements, or elements starting with ..', () => {
    assert.equal(safeRelativePath('..'), undefined);
    assert.equal(safeRelativePath('../escape'), undefined);
    assert.equal(safeRelativePath('dir/../../escape'), undefined);
    assert.equal(safeRelativePath('..data'), undefined);
    assert.equal(safeRelativePath('dir/..hidden'), undefined);
  });

  test('refuses .. elements that normalise away', () => {
    assert.equal(safeRelativePath('dir/../key'), undefined);
    assert.equal(safeRelativePath('dir/..'), undefined);
  });
});
