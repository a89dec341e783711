/**
 * The store on a full disk (a small tmpfs, filled): reads go on, deletions and the steps of a
 * graceful deletion and Lease heartbeats are still written (from the reserve), other writes are
 * refused with StoreFull, nothing acknowledged is lost, and all writes resume once space returns.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { once } from 'node:events';
import { Store, StoreFull } from '../../src/controlplane/store/index.js';
import { fillDisk } from '../support/disk.js';
import { rootSkip } from '../support/runtime.js';

describe('store on a full disk', { skip: rootSkip() }, () => {
  const mount = mkdtempSync(join(tmpdir(), 'hostpod-full-'));
  after(() => {
    execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  });

  test('store keeps reads, deletions and heartbeats, refuses other writes, loses nothing, and resumes when space returns', () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mount]);
    const store = Store.open(join(mount, 'state.db'), { reserveBytes: 4 * 1024 * 1024 });
    assert.ok(existsSync(join(mount, 'space-reserve')), 'the reserve is made at open');
    const cm = (name: string, data: Record<string, string> = {}) => ({ metadata: { name, namespace: 'default' }, data });
    const key = (name: string, resource = 'configmaps', namespace = 'default') => ({ resource, namespace, name });
    const acknowledged: string[] = [];
    for (let i = 0; i < 20; i++) {
      store.create(key(`keep-${i}`), cm(`keep-${i}`));
      acknowledged.push(`keep-${i}`);
    }
    store.create(key('node-a', 'coordination.k8s.io/leases', 'kube-node-lease'), { metadata: { name: 'node-a', namespace: 'kube-node-lease' }, spec: { renewTime: '0' } });
    store.create(key('doomed', 'pods'), { metadata: { name: 'doomed', namespace: 'default' } });

    fillDisk(join(mount, 'filler'));
    // Writes that fit in SQLite's existing pages may still succeed; write until the disk says no.
    const big = 'x'.repeat(64 * 1024);
    let refused: unknown;
    for (let i = 0; i < 10_000 && refused === undefined; i++) {
      try {
        store.create(key(`fill-${i}`), cm(`fill-${i}`, { big }));
        acknowledged.push(`fill-${i}`);
      } catch (error) {
        refused = error;
      }
    }
    assert.ok(refused instanceof StoreFull, `a write on the full disk is refused with StoreFull, not ${String(refused)}`);
    assert.match((refused as Error).message, /disk of the data directory is full .*accepts only deletions/);
    assert.equal(store.diskFull, true);
    const reserve = (): number => statSync(join(mount, 'space-reserve')).size;
    assert.equal(reserve(), 4 * 1024 * 1024, 'a refused write takes nothing from the reserve');
    assert.throws(() => store.create(key('more'), cm('more')), StoreFull);
    assert.throws(() => store.update(key('keep-0'), cm('keep-0', { changed: 'yes' })), StoreFull);

    // Reads go on.
    assert.equal(store.list('configmaps', { namespace: 'default' }).items.length, acknowledged.length);
    assert.ok(store.get(key('keep-0')));
    // A graceful deletion's steps, a final delete and a heartbeat are written.
    const terminating = store.update(key('doomed', 'pods'), { metadata: { name: 'doomed', namespace: 'default', deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Running' } });
    assert.ok(terminating);
    store.update(key('doomed', 'pods'), { metadata: { name: 'doomed', namespace: 'default', deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Succeeded' } });
    store.delete(key('doomed', 'pods'));
    assert.equal(store.get(key('doomed', 'pods')), undefined);
    store.update(key('node-a', 'coordination.k8s.io/leases', 'kube-node-lease'), { metadata: { name: 'node-a', namespace: 'kube-node-lease' }, spec: { renewTime: '1' } });
    assert.ok(reserve() < 4 * 1024 * 1024, 'the deletion was written with room from the reserve');
    for (const name of acknowledged.splice(-Math.min(50, acknowledged.length - 1))) store.delete(key(name));

    // Space returns: every write is taken again, and the reserve is back.
    rmSync(join(mount, 'filler'));
    store.create(key('after'), cm('after'));
    assert.equal(store.diskFull, false);
    assert.equal(reserve(), 4 * 1024 * 1024, 'the reserve is made whole again');
    store.close();

    const reopened = Store.open(join(mount, 'state.db'), { reserveBytes: 4 * 1024 * 1024 });
    const names = new Set(reopened.list('configmaps').items.map((item) => (item['metadata'] as { name: string }).name));
    assert.deepEqual(acknowledged.filter((name) => !names.has(name)), [], 'no acknowledged write is lost');
    assert.ok(names.has('after'));
    reopened.close();
  });

  test('store forgets a group of writes whose commit the full disk refused, tells their writers, and still commits a group of deletions from the reserve', async () => {
    const groupMount = mkdtempSync(join(tmpdir(), 'hostpod-full-group-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', groupMount]);
    const store = Store.open(join(groupMount, 'state.db'), { reserveBytes: 4 * 1024 * 1024 });
    try {
      const cm = (name: string, data: Record<string, string> = {}) => ({ metadata: { name, namespace: 'default' }, data });
      const key = (name: string) => ({ resource: 'configmaps', namespace: 'default', name });
      store.create(key('doomed'), cm('doomed'));
      // Read through the store's cache of decoded objects, then written in the group that is lost.
      assert.deepEqual(store.getShared(key('doomed'))!['data'], {});
      const before = store.revision;
      const heard: string[] = [];
      store.subscribe('configmaps', (change) => heard.push(`${change.type} ${change.key.name}`));
      fillDisk(join(groupMount, 'filler'));
      const reserve = (): number => statSync(join(groupMount, 'space-reserve')).size;

      // Writes that SQLite holds in its cache pass; their commit, at the end of the turn, does not.
      const big = 'x'.repeat(16 * 1024);
      const lost: unknown[] = [];
      let taken = 0;
      store.group(() => {
        store.update(key('doomed'), cm('doomed', { lost: 'yes' }));
        for (let i = 0; i < 10; i++) {
          store.create(key(`fill-${i}`), cm(`fill-${i}`, { big }));
          taken++;
        }
      }, (error) => lost.push(error));
      assert.equal(taken, 10);
      assert.equal(store.uncommitted, true);
      const outcome = await store.durable().then(() => 'committed', (error: unknown) => error);
      assert.ok(outcome instanceof StoreFull, `the commit fails with StoreFull, not ${String(outcome)}`);
      assert.equal(lost.length, 1, 'the group\'s writer is told its writes are lost');
      assert.equal(store.diskFull, true);
      assert.deepEqual(heard, [], 'no watcher heard of a lost write');
      assert.equal(store.revision, before, 'the revision is the stored one again');
      assert.equal(store.get(key('fill-0')), undefined);
      assert.deepEqual(store.getShared(key('doomed'))!['data'], {}, 'the cache serves the stored object, not the lost write');
      assert.deepEqual(store.list('configmaps', { shared: true }).items.map((o) => o['data']), [{}]);
      assert.equal(reserve(), 4 * 1024 * 1024, 'lost writes took nothing from the reserve');

      assert.throws(() => store.group(() => store.create(key('more'), cm('more'))), StoreFull);
      // A group's deletion is committed from the reserve, at once.
      store.group(() => store.delete(key('doomed')));
      assert.equal(store.uncommitted, false);
      await store.durable();
      assert.deepEqual(heard, ['DELETED doomed']);
      store.close();
      const reopened = Store.open(join(groupMount, 'state.db'), { reserveBytes: 4 * 1024 * 1024 });
      assert.deepEqual(reopened.list('configmaps').items, []);
      reopened.close();
    } finally {
      store.close();
      execFileSync('umount', [groupMount]);
      rmSync(groupMount, { recursive: true, force: true });
    }
  });
  test('store keeps the layout of earlier stores on a disk without room to move them, says so, and moves them once there is room', async () => {
    const layoutMount = mkdtempSync(join(tmpdir(), 'hostpod-full-layout-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', layoutMount]);
    const file = join(layoutMount, 'state.db');
    const key = (name: string) => ({ resource: 'configmaps', namespace: 'default', name });
    const isOld = (): boolean => {
      const db = new Database(file, { readonly: true });
      try {
        return /WITHOUT ROWID/.test((db.prepare("SELECT sql FROM sqlite_master WHERE name = 'objects'").get() as { sql: string }).sql);
      } finally {
        db.close();
      }
    };
    try {
      const first = Store.open(file, { reserveBytes: 1024 * 1024 });
      for (let i = 0; i < 60; i++) first.create(key(`cm-${i}`), { metadata: { name: `cm-${i}`, namespace: 'default' }, data: { big: 'x'.repeat(128 * 1024) } });
      first.close();
      // The layout of stores before, compacted (about 8 MB), then the disk cut to three times it:
      // less than three times it is free beside it.
      const db = new Database(file);
      db.exec(`CREATE TABLE old_objects (resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, revision INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (resource, namespace, name)) WITHOUT ROWID;
        INSERT INTO old_objects SELECT resource, namespace, name, revision, value FROM objects; DROP TABLE objects; ALTER TABLE old_objects RENAME TO objects;
        DELETE FROM changes;`);
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.exec('VACUUM');
      db.close();
      const size = statSync(file).size;
      execFileSync('mount', ['-o', `remount,size=${Math.ceil((3 * size) / 1048576)}m`, layoutMount]);

      const warned = once(process, 'warning');
      const cramped = Store.open(file, { reserveBytes: 1024 * 1024 });
      try {
        const [warning] = (await warned) as [Error & { code?: string }];
        assert.equal(warning.code, 'HOSTPOD_STORE_LAYOUT');
        assert.match(warning.message, /keeps its objects in the layout of earlier hostpods \(\d+ MiB free\).* \d+ MiB free beside it/);
        assert.equal(cramped.list('configmaps').items.length, 60, 'every object read from the old layout');
        cramped.update(key('cm-0'), { metadata: { name: 'cm-0', namespace: 'default' }, data: { small: 'yes' } });
        assert.deepEqual(cramped.getShared(key('cm-0'))!['data'], { small: 'yes' });
      } finally {
        cramped.close();
      }
      assert.equal(isOld(), true, 'not moved without room');

      execFileSync('mount', ['-o', 'remount,size=96m', layoutMount]);
      const roomy = Store.open(file, { reserveBytes: 1024 * 1024 });
      try {
        assert.equal(roomy.list('configmaps').items.length, 60);
        assert.deepEqual(roomy.get(key('cm-0'))!['data'], { small: 'yes' });
      } finally {
        roomy.close();
      }
      assert.equal(isOld(), false, 'moved once there is room');
    } finally {
      execFileSync('umount', ['-l', layoutMount]);
      rmSync(layoutMount, { recursive: true, force: true });
    }
  });
});
