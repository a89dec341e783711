/**
 * The data directory's modes: shared directories traversable but not listable, logs and images
 * root's, a pod's directory open to its accounts' groups only (the first as its group, the next
 * through an ACL entry).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensurePodDir, grantGroup, secureDataDir } from '../../src/runtime/data-dir.js';
import { rootSkip } from '../support/runtime.js';

const mode = (path: string): string => (statSync(path).mode & 0o7777).toString(8);

test('secureDataDir tightens a data dir an admin made 0755, and its older subdirectories', () => {
  const base = mkdtempSync(join(tmpdir(), 'hostpod-dd-'));
  try {
    const data = join(base, 'data');
    mkdirSync(join(data, 'logs', 'pods'), { recursive: true, mode: 0o755 });
    mkdirSync(join(data, 'pods'), { mode: 0o755 });
    secureDataDir(data);
    assert.deepEqual(
      ['.', 'containers', 'pods', 'logs', 'images'].map((d) => [d, mode(join(data, d))]),
      [['.', '711'], ['containers', '711'], ['pods', '711'], ['logs', '700'], ['images', '700']],
    );
    ensurePodDir(join(data, 'pods', 'uid'));
    assert.equal(mode(join(data, 'pods', 'uid')), '750');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("secureDataDir marks the directories of containers', pods' and logs' trees as ext4's Orlov top directories when it makes them", () => {
  const base = mkdtempSync(join(tmpdir(), 'hostpod-dd-'));
  try {
    const data = join(base, 'data');
    secureDataDir(data);
    const trees = ['containers', 'pods', join('logs', 'pods')];
    const flags = (dir: string): string => execFileSync('lsattr', ['-d', join(data, dir)], { encoding: 'utf8' }).split(' ')[0] ?? '';
    // Whether the file system under the test's directory takes the flag at all (ext4 does; tmpfs, xfs do not).
    const probe = join(base, 'probe');
    mkdirSync(probe);
    let ext4 = true;
    try {
      execFileSync('chattr', ['+T', probe], { stdio: 'ignore' });
    } catch {
      ext4 = false;
    }
    if (ext4) {
      assert.deepEqual(trees.map((d) => [d, flags(d).includes('T')]), trees.map((d) => [d, true]));
      assert.equal(flags('images').includes('T'), false, 'the image store is one tree: not marked');
    } else {
      // Another file system: the directories are made all the same, without the flag.
      for (const d of trees) assert.ok(statSync(join(data, d)).isDirectory(), d);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("grantGroup gives a pod's directory to the first account's group, then an ACL entry to the next", { skip: rootSkip() }, () => {
  const base = mkdtempSync(join(tmpdir(), 'hostpod-dd-'));
  try {
    chmodSync(base, 0o711);
    const dir = join(base, 'pod');
    ensurePodDir(dir);
    grantGroup(dir, 0, 'test');
    assert.equal(statSync(dir).gid, 0, 'root needs no grant');
    grantGroup(dir, 4242, 'test');
    assert.equal(statSync(dir).gid, 4242);
    grantGroup(dir, 4343, 'test');
    assert.equal(statSync(dir).gid, 4242);
    const lists = (gid: number): boolean => {
      try {
        execFileSync('setpriv', ['--reuid', '65534', '--regid', String(gid), '--clear-groups', 'ls', dir], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    };
    assert.deepEqual([4242, 4343, 4444].map(lists), [true, true, false], 'the two groups may list it, a third may not');
    assert.equal(mode(dir), '750', 'the mask keeps the group class at r-x');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
