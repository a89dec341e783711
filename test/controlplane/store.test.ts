import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { labelKey, ObjectExists, RevisionCompacted, RevisionConflict, Store, uidKey, type Change } from '../../src/controlplane/store/index.js';
import { holdFlushes } from '../support/held-flushes.js';

const dir = mkdtempSync(join(tmpdir(), 'hostpod-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): Store => Store.open(join(dir, `store-${n++}.db`));
const key = (name: string, namespace = 'default') => ({ resource: 'configmaps', namespace, name });
const obj = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name, namespace: 'default' }, ...extra });

describe('store', () => {
  test('store gives every write the next global revision as resourceVersion', () => {
    const store = fresh();
    const a = store.create(key('a'), obj('a'));
    const b = store.create({ resource: 'pods', namespace: 'default', name: 'b' }, obj('b'));
    const a2 = store.update(key('a'), { ...a, data: { x: '1' } });
    assert.deepEqual([a, b, a2].map((o) => (o['metadata'] as { resourceVersion: string }).resourceVersion), ['2', '3', '4']);
    assert.equal(store.revision, 4);
    store.close();
  });

  test('store refuses a create of an existing object and an update at a stale revision', () => {
    const store = fresh();
    store.create(key('a'), obj('a'));
    assert.throws(() => store.create(key('a'), obj('a')), ObjectExists);
    store.update(key('a'), obj('a', { data: { v: '1' } }), 2);
    assert.throws(() => store.update(key('a'), obj('a', { data: { v: '2' } }), 2), RevisionConflict);
    assert.deepEqual(store.get(key('a'))?.['data'], { v: '1' });
    store.close();
  });

  test('store lists in namespace and name order, in pages', () => {
    const store = fresh();
    for (const [ns, name] of [['b', 'x'], ['a', 'z'], ['a', 'y']] as const) store.create(key(name, ns), obj(name));
    const names = (items: Record<string, unknown>[]) => items.map((i) => (i['metadata'] as { name: string }).name);
    assert.deepEqual(names(store.list('configmaps').items), ['y', 'z', 'x']);
    assert.deepEqual(names(store.list('configmaps', { namespace: 'a' }).items), ['y', 'z']);
    const first = store.list('configmaps', { limit: 2 });
    assert.equal(first.more, true);
    assert.deepEqual(names(store.list('configmaps', { after: { namespace: 'a', name: 'z' } }).items), ['x']);
    store.close();
  });

  test('store lists the objects that refer to a uid (owners, an event\'s subject) or carry a label through its index, as writes change them', () => {
    const store = fresh();
    const owned = (name: string, ...uids: string[]) => obj(name, { metadata: { name, namespace: 'default', ownerReferences: uids.map((uid) => ({ kind: 'ReplicaSet', name: 'rs', uid })) } });
    const names = (options: Parameters<Store['list']>[1]) => store.list('configmaps', options).items.map((i) => (i['metadata'] as { name: string }).name);
    store.create(key('a'), owned('a', 'uid-1'));
    store.create(key('b'), { ...owned('b', 'uid-2'), metadata: { name: 'b', namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ uid: 'uid-2' }] } });
    store.create(key('c'), owned('c', 'uid-1', 'uid-2'));
    store.create(key('d', 'other'), { metadata: { name: 'd', namespace: 'other', ownerReferences: [{ uid: 'uid-1' }] } });
    store.create(key('e'), obj('e', { note: 'uid-1' }));
    store.create(key('f'), obj('f', { involvedObject: { kind: 'Pod', uid: 'uid-1' } }));
    // In (namespace, name) order: default's, then other's; e holds the uid only as text.
    assert.deepEqual(names({ indexKey: uidKey('uid-1') }), ['a', 'c', 'f', 'd']);
    assert.deepEqual(names({ indexKey: uidKey('uid-1'), namespace: 'default' }), ['a', 'c', 'f']);
    assert.deepEqual(names({ indexKey: uidKey('uid-1'), namespace: 'default', limit: 1, after: { namespace: 'default', name: 'a' } }), ['c']);
    assert.deepEqual(names({ indexKey: uidKey('uid-2'), containing: ['uid-1'] }), ['c']);
    // An update that changes the owners moves the object in the index; a delete takes it out.
    assert.deepEqual(names({ indexKey: labelKey('app', 'web') }), ['b']);
    store.update(key('a'), { metadata: { name: 'a', namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ uid: 'uid-2' }] } });
    store.update(key('b'), { metadata: { name: 'b', namespace: 'default', labels: { app: 'db' }, ownerReferences: [{ uid: 'uid-2' }] } });
    store.delete(key('c'));
    assert.deepEqual(names({ indexKey: labelKey('app', 'web') }), ['a']);
    assert.deepEqual(names({ indexKey: labelKey('app', 'db') }), ['b']);
    assert.deepEqual(names({ indexKey: uidKey('uid-1'), namespace: 'default' }), ['f']);
    assert.deepEqual(names({ indexKey: uidKey('uid-2'), namespace: 'default' }), ['a', 'b']);
    store.close();
  });

  test('store commits a batch\'s writes together and publishes them after the commit, in order; a failed write inside undoes itself only', () => {
    const file = join(dir, `store-${n++}.db`);
    const store = Store.open(file);
    const heard: string[] = [];
    store.subscribe('configmaps', (change) => heard.push(`${change.type} ${change.key.name} ${change.revision}`));
    const result = store.batch(() => {
      store.create(key('a'), obj('a'));
      store.create(key('b'), obj('b'));
      assert.throws(() => store.create(key('a'), obj('a')), ObjectExists);
      store.update(key('a'), obj('a', { data: { v: '1' } }));
      // Read back inside the batch, before the commit; the watchers have heard nothing yet.
      assert.deepEqual(store.get(key('a'))?.['data'], { v: '1' });
      assert.deepEqual(heard, []);
      return 'done';
    });
    assert.equal(result, 'done');
    assert.deepEqual(heard, ['ADDED a 2', 'ADDED b 3', 'MODIFIED a 4']);
    store.close();
    const reopened = Store.open(file);
    assert.deepEqual(reopened.list('configmaps').items.map((i) => [(i['metadata'] as { name: string }).name, i['data']]), [['a', { v: '1' }], ['b', undefined]]);
    assert.equal(reopened.revision, 4);
    reopened.close();
  });

  test('store commits the writes `group` takes in one event-loop turn together at its end; callers wait on durable(), watchers hear after the commit', async () => {
    const file = join(dir, `store-${n++}.db`);
    const store = Store.open(file);
    // A second connection sees only what is on disk.
    const disk = new Database(file, { readonly: true });
    const onDisk = (): string[] => disk.prepare<[], { name: string }>("SELECT name FROM objects WHERE resource = 'configmaps' ORDER BY name").all().map((r) => r.name);
    const heard: string[] = [];
    store.subscribe('configmaps', (change) => heard.push(`${change.type} ${change.key.name} ${change.revision}`));
    const lost: unknown[] = [];
    // Two requests' writes and a controller turn's, in one turn of the event loop.
    store.group(() => store.create(key('a'), obj('a')));
    const aDurable = store.durable();
    store.group(() => {
      store.create(key('b'), obj('b'));
      assert.throws(() => store.create(key('a'), obj('a')), ObjectExists);
    }, (error) => lost.push(error));
    store.group(() => store.update(key('a'), obj('a', { data: { v: '1' } })));
    assert.equal(store.uncommitted, true);
    assert.deepEqual(store.get(key('a'))?.['data'], { v: '1' }, 'the store reads its own uncommitted writes');
    assert.equal(store.revision, 4);
    assert.equal(store.publishedRevision, 1);
    assert.deepEqual([onDisk(), heard], [[], []], 'nothing is on disk or heard before the turn ends');
    await aDurable;
    assert.deepEqual(onDisk(), ['a', 'b']);
    assert.deepEqual(heard, ['ADDED a 2', 'ADDED b 3', 'MODIFIED a 4']);
    assert.equal(store.publishedRevision, 4);
    assert.equal(store.uncommitted, false);
    await store.durable();

    // A write on its own commits what waits first, then itself, at once; so does a batch.
    store.group(() => store.create(key('c'), obj('c')));
    const cDurable = store.durable();
    store.create(key('d'), obj('d'));
    assert.deepEqual(onDisk(), ['a', 'b', 'c', 'd']);
    await cDurable;
    store.group(() => store.create(key('e'), obj('e')));
    store.batch(() => store.create(key('f'), obj('f')));
    assert.deepEqual(onDisk(), ['a', 'b', 'c', 'd', 'e', 'f']);
    assert.deepEqual(heard.slice(3), ['ADDED c 5', 'ADDED d 6', 'ADDED e 7', 'ADDED f 8']);
    assert.deepEqual(lost, []);
    disk.close();
    store.close();
  });

  test('store flushes its log on the thread pool: a group is answered, heard and read by snapshots only once flushed, and the groups made meanwhile commit together when it ends', async () => {
    const file = join(dir, `store-${n++}.db`);
    const store = Store.open(file);
    // Holds the store's flushes of its log until the test lets them go.
    const flushes = holdFlushes();
    const { held } = flushes;
    try {
      const disk = new Database(file, { readonly: true });
      const onDisk = (): string[] => disk.prepare<[], { name: string }>("SELECT name FROM objects WHERE resource = 'configmaps' ORDER BY name").all().map((r) => r.name);
      const heard: string[] = [];
      store.subscribe('configmaps', (change) => heard.push(`${change.type} ${change.key.name}`));
      const settled: string[] = [];

      store.group(() => store.create(key('a'), obj('a')));
      void store.durable().then(() => settled.push('a'));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(onDisk(), ['a'], 'the group is committed at the end of its turn');
      assert.equal(held.length, 1, 'its flush runs off the event loop');
      // The next turns' groups, made while the first flush runs, stay open as one transaction:
      // their writes could not reach the disk sooner, and it is committed when that flush ends.
      store.group(() => store.create(key('b'), obj('b')));
      void store.durable().then(() => settled.push('b'));
      await new Promise((resolve) => setImmediate(resolve));
      store.group(() => store.create(key('c'), obj('c')));
      void store.durable().then(() => settled.push('c'));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(onDisk(), ['a'], 'the groups made during the flush wait for it to end');
      const snapshot = store.snapshot().then((s) => {
        settled.push(`snapshot at ${s.revision}`);
        return s;
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual([heard, settled, store.uncommitted, store.publishedRevision], [[], [], true, 1], 'nothing is answered, heard or read before its flush');
      assert.equal(held.length, 1, 'one flush at a time');

      held.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual([heard, settled], [['ADDED a'], ['a', 'snapshot at 2']], 'the first flush covers the first group only; the snapshot saw what was committed');
      assert.deepEqual(onDisk(), ['a', 'b', 'c'], 'the waiting groups are committed together when the flush ends');
      assert.equal(held.length, 1, 'and get the next flush, one for both');
      held.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 20));
      (await snapshot).close();
      assert.deepEqual([heard, settled, store.uncommitted], [['ADDED a', 'ADDED b', 'ADDED c'], ['a', 'snapshot at 2', 'b', 'c'], false]);
      assert.equal(held.length, 0);

      // A write on its own, and close, flush on the event loop: the held flush is not needed.
      store.group(() => store.create(key('d'), obj('d')));
      await new Promise((resolve) => setImmediate(resolve));
      store.create(key('e'), obj('e'));
      assert.deepEqual(heard.slice(3), ['ADDED d', 'ADDED e'], 'a write on its own publishes the groups before it first');
      // A group waiting for a flush to end is committed ahead of a write on its own, and once only.
      assert.equal(held.length, 1, "d's flush is still held");
      store.group(() => store.create(key('f'), obj('f')));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(onDisk().includes('f'), false);
      store.create(key('g'), obj('g'));
      assert.deepEqual(heard.slice(5), ['ADDED f', 'ADDED g']);
      held.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual([heard.slice(5), store.uncommitted, held.length], [['ADDED f', 'ADDED g'], false, 0]);
      disk.close();
    } finally {
      flushes.restore();
      store.close();
    }
  });

  test('store indexes the references of a store written before the index existed when it opens', () => {
    const file = join(dir, `store-${n++}.db`);
    const first = Store.open(file);
    first.create(key('a'), obj('a', { metadata: { name: 'a', namespace: 'default', ownerReferences: [{ uid: 'uid-1' }] } }));
    first.close();
    const db = new Database(file);
    db.exec("DROP TABLE index_keys; DELETE FROM meta WHERE key = 'index_keys'");
    db.close();
    const reopened = Store.open(file);
    assert.deepEqual(reopened.list('configmaps', { indexKey: uidKey('uid-1') }).items.map((i) => (i['metadata'] as { name: string }).name), ['a']);
    reopened.close();
  });

  test('store moves the objects of a store written before they had rowids into a table with rowids when it opens, losing none', () => {
    const file = join(dir, `store-${n++}.db`);
    const first = Store.open(file);
    for (const name of ['a', 'b', 'c']) first.create(key(name), obj(name, { data: { big: name.repeat(6000) } }));
    first.update(key('b'), obj('b', { data: { big: 'b'.repeat(6000), more: 'yes' } }));
    const revision = first.revision;
    first.close();
    // The layout of stores before: a table WITHOUT ROWID, and its own index of the keys.
    const db = new Database(file);
    db.exec(`CREATE TABLE old_objects (resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, revision INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (resource, namespace, name)) WITHOUT ROWID;
      INSERT INTO old_objects SELECT resource, namespace, name, revision, value FROM objects; DROP TABLE objects; ALTER TABLE old_objects RENAME TO objects;
      CREATE INDEX objects_keys ON objects (resource, namespace, name);`);
    const before = db.prepare('SELECT resource, namespace, name, revision, value FROM objects ORDER BY name').all();
    db.close();
    const reopened = Store.open(file);
    try {
      assert.equal(reopened.revision, revision);
      assert.deepEqual(reopened.list('configmaps').items.map((i) => (i['metadata'] as { name: string }).name), ['a', 'b', 'c']);
      assert.equal((reopened.get(key('b'))!['data'] as Record<string, string>)['more'], 'yes');
      reopened.update(key('c'), obj('c', { data: { small: 'now' } }));
      assert.deepEqual(reopened.getShared(key('c'))!['data'], { small: 'now' });
    } finally {
      reopened.close();
    }
    const after = new Database(file, { readonly: true });
    try {
      const tables = after.prepare("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'objects' OR name LIKE 'objects%'").all() as { name: string; sql: string | null }[];
      assert.ok(tables.every((t) => !/WITHOUT ROWID/i.test(t.sql ?? '')), `no table WITHOUT ROWID: ${JSON.stringify(tables)}`);
      assert.ok(!tables.some((t) => t.name === 'objects_keys'), 'the old index of keys is gone');
      const rows = after.prepare('SELECT resource, namespace, name, revision, value FROM objects ORDER BY name').all() as { name: string }[];
      assert.deepEqual(rows.filter((r) => r.name !== 'c'), (before as { name: string }[]).filter((r) => r.name !== 'c'), 'every other row as it was');
    } finally {
      after.close();
    }
    // An older hostpod opening the moved store makes its index of the keys again: the next open drops it.
    const older = new Database(file);
    older.exec('CREATE INDEX IF NOT EXISTS objects_keys ON objects (resource, namespace, name)');
    older.close();
    Store.open(file).close();
    const last = new Database(file, { readonly: true });
    try {
      assert.equal((last.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'objects_keys'").get() as { n: number }).n, 0);
    } finally {
      last.close();
    }
  });

  test('store lists only the objects whose text holds every `containing` string, in pages', () => {
    const store = fresh();
    for (const [name, owner] of [['a', 'uid-1'], ['b', 'uid-2'], ['c', 'uid-1'], ['d', 'uid-1']] as const) store.create(key(name), obj(name, { owner, data: { note: name === 'd' ? 'extra' : '' } }));
    const names = (items: Record<string, unknown>[]) => items.map((i) => (i['metadata'] as { name: string }).name);
    assert.deepEqual(names(store.list('configmaps', { containing: ['uid-1'] }).items), ['a', 'c', 'd']);
    assert.deepEqual(names(store.list('configmaps', { containing: ['uid-1', 'extra'] }).items), ['d']);
    assert.deepEqual(names(store.list('configmaps', { containing: ['uid-3'] }).items), []);
    const page = store.list('configmaps', { containing: ['uid-1'], limit: 2 });
    assert.deepEqual([names(page.items), page.more], [['a', 'c'], true]);
    assert.deepEqual(names(store.list('configmaps', { containing: ['uid-1'], after: { namespace: 'default', name: 'c' } }).items), ['d']);
    store.close();
  });

  test('store replays changes after a revision, then delivers new ones in order', () => {
    const store = fresh();
    store.create(key('a'), obj('a'));
    const from = store.revision;
    store.update(key('a'), obj('a', { data: { v: '1' } }));
    store.delete(key('a'));
    const replayed = store.changesSince('configmaps', from).map((c) => `${c.type}@${c.revision}`);
    assert.deepEqual(replayed, ['MODIFIED@3', 'DELETED@4']);
    const seen: Change[] = [];
    store.subscribe('configmaps', (c) => {
      seen.push(c);
      // A listener that writes: its change must arrive after the one being delivered.
      if (c.type === 'ADDED' && c.key.name === 'b') store.create(key('c'), obj('c'));
    });
    store.create(key('b'), obj('b'));
    assert.deepEqual(seen.map((c) => `${c.type} ${c.key.name}@${c.revision}`), ['ADDED b@5', 'ADDED c@6']);
    store.close();
  });

  test('store answers a watch from before compaction with RevisionCompacted', () => {
    const store = fresh();
    for (const name of ['a', 'b', 'c']) store.create(key(name), obj(name));
    store.compact(3);
    assert.throws(() => store.changesSince('configmaps', 2), RevisionCompacted);
    assert.deepEqual(store.changesSince('configmaps', 3).map((c) => c.key.name), ['c']);
    store.close();
    const reopened = Store.open(join(dir, `store-${n - 1}.db`));
    assert.equal(reopened.compactedRevision, 3);
    assert.equal(reopened.revision, 4);
    reopened.close();
  });

  for (const mode of ['alone', 'grouped'] as const) {
    test(`store keeps every acknowledged write across a kill -9 (writes committed ${mode})`, async () => {
      const file = join(dir, `crash-${mode}.db`);
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../support/store-writer.ts'), file, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.split('\n').length > 300) {
            child.kill('SIGKILL');
            resolve();
          }
        });
      });
      await new Promise((resolve) => child.once('exit', resolve));
      const acknowledged = output.split('\n').slice(0, -1);
      assert.ok(acknowledged.length >= 300);
      const store = Store.open(file);
      const missing = acknowledged.filter((name) => !store.get(key(name)));
      assert.deepEqual(missing, []);
      // And the revision log agrees with the objects.
      assert.ok(store.revision >= acknowledged.length + 1);
      store.close();
    });
  }
});
