/**
 * The store's cache of decoded objects (issue 21): lists read each stored object through it, so
 * it must never serve an object other than the one the row's current text holds, stay within its
 * bound, and hand out objects no reader can change.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DecodedObjects } from '../../src/controlplane/store/decoded-objects.js';
import { decodeStored, encodeObject } from '../../src/controlplane/store/encoding.js';
import { freezeAsStored } from '../../src/controlplane/store/frozen.js';
import { AS_CONTROLLER, resource } from '../../src/controlplane/controllers/context.js';
import { Store, type StoredRow } from '../../src/controlplane/store/index.js';
import { ListStream } from '../../src/controlplane/api/list-stream.js';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';

const dir = mkdtempSync(join(tmpdir(), 'hostpod-decoded-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const configMap = (name: string, data: Record<string, string>, namespace = 'default') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { app: 'a' } }, data });
/** The store key of the ConfigMap `name` in default. */
const key = (name: string) => ({ resource: 'configmaps', namespace: 'default', name });

/** The rows of `resource` as a list reads them, each decoded through the store. */
async function decodedRows(store: Store, resource: string): Promise<{ row: StoredRow; object: Record<string, unknown> }[]> {
  const snapshot = await store.snapshot();
  try {
    return [...snapshot.rows(resource)].map((row) => ({ row, object: store.decodeRow(resource, row) }));
  } finally {
    snapshot.close();
  }
}

describe('decoded objects', () => {
  test('a row read again with the same text gives the same object, frozen all the way down', async () => {
    const store = Store.open(join(dir, `store-${n++}.db`));
    try {
      store.create({ resource: 'configmaps', namespace: 'default', name: 'a' }, configMap('a', { k: 'v' }));
      const [first] = await decodedRows(store, 'configmaps');
      const [second] = await decodedRows(store, 'configmaps');
      assert.notEqual(first!.row.value, undefined);
      assert.equal(second!.object, first!.object);
      const metadata = first!.object['metadata'] as { labels: Record<string, string> };
      assert.ok(Object.isFrozen(first!.object) && Object.isFrozen(metadata) && Object.isFrozen(metadata.labels));
    } finally {
      store.close();
    }
  });

  test('changing a shared object throws, and the next read still shows the stored one', async () => {
    const store = Store.open(join(dir, `store-${n++}.db`));
    try {
      store.create({ resource: 'configmaps', namespace: 'default', name: 'a' }, configMap('a', { k: 'v' }));
      const { object } = (await decodedRows(store, 'configmaps'))[0]!;
      assert.throws(() => {
        (object['metadata'] as { labels: Record<string, string> }).labels['app'] = 'changed';
      }, TypeError);
      assert.throws(() => {
        (object['data'] as Record<string, string>)['k2'] = 'added';
      }, TypeError);
      assert.throws(() => delete object['data'], TypeError);
      const [again] = await decodedRows(store, 'configmaps');
      assert.deepEqual(again!.object['data'], { k: 'v' });
    } finally {
      store.close();
    }
  });

  test('a row whose text changed is decoded anew', async () => {
    const store = Store.open(join(dir, `store-${n++}.db`));
    try {
      const key = { resource: 'configmaps', namespace: 'default', name: 'a' };
      store.create(key, configMap('a', { k: 'v' }));
      const [before] = await decodedRows(store, 'configmaps');
      store.update(key, configMap('a', { k: 'changed' }));
      const [after] = await decodedRows(store, 'configmaps');
      assert.notEqual(after!.object, before!.object);
      assert.deepEqual(after!.object['data'], { k: 'changed' });
      assert.deepEqual(before!.object['data'], { k: 'v' });
    } finally {
      store.close();
    }
  });

  test('two stores never share an object, even for the same text', async () => {
    const stores = [Store.open(join(dir, `store-${n++}.db`)), Store.open(join(dir, `store-${n++}.db`))];
    try {
      const [rowA] = (await Promise.all(stores.map(async (store) => {
        store.create({ resource: 'configmaps', namespace: 'default', name: 'a' }, configMap('a', { k: 'v' }));
        return (await decodedRows(store, 'configmaps'))[0]!;
      })));
      const [, rowB] = await Promise.all(stores.map(async (store) => (await decodedRows(store, 'configmaps'))[0]!));
      assert.equal(rowA!.row.value, rowB!.row.value);
      assert.notEqual(rowA!.object, rowB!.object);
    } finally {
      for (const store of stores) store.close();
    }
  });

  test('the cache keeps at most its bound of text, evicting the least recently used', () => {
    const text = (v: string): string => JSON.stringify({ v });
    const one = text('1'.repeat(10));
    // Entries read any time ago may go (no keep time).
    const cache = new DecodedObjects(one.length * 2, 0);
    const a = cache.decode('r', 'ns', 'a', one);
    const b = cache.decode('r', 'ns', 'b', one);
    // a was read after b: b is the least recently used when c comes.
    assert.equal(cache.decode('r', 'ns', 'a', one), a);
    cache.decode('r', 'ns', 'c', one);
    assert.deepEqual(cache.size, { objects: 2, text: one.length * 2 });
    assert.equal(cache.decode('r', 'ns', 'a', one), a);
    assert.notEqual(cache.decode('r', 'ns', 'b', one), b);
    // An object larger than the bound is decoded for each read and not kept.
    const big = text('x'.repeat(100));
    const first = cache.decode('r', 'ns', 'big', big);
    assert.deepEqual(first, { v: 'x'.repeat(100) });
    assert.notEqual(cache.decode('r', 'ns', 'big', big), first);
    assert.ok(cache.size.text <= one.length * 2);
  });

  test('a full cache keeps the entries read within its keep time, so a list larger than it still hits on the part that fits', () => {
    const row = (i: number): string => JSON.stringify({ i: String(i).padStart(3, '0') });
    const cache = new DecodedObjects(row(0).length * 3, 60_000);
    const list = (): Record<string, unknown>[] => Array.from({ length: 5 }, (_, i) => cache.decode('r', 'ns', `o${i}`, row(i)));
    const first = list();
    const second = list();
    // The first three stay, the two that found no room are decoded for each read.
    assert.deepEqual(second.map((o, i) => o === first[i]), [true, true, true, false, false]);
    assert.deepEqual(second.map((o) => Object.isFrozen(o)), [true, true, true, false, false]);
    assert.deepEqual(second[4], { i: '004' });
    assert.deepEqual(cache.size, { objects: 3, text: row(0).length * 3 });
  });

  test('a text derived from a cached object is made once, counted in the bound, and made anew for a changed row', () => {
    const cache = new DecodedObjects(1000);
    let made = 0;
    const derive = (object: Readonly<Record<string, unknown>>): string => `${++made}:${JSON.stringify(object)}`;
    const a = cache.decode('r', 'ns', 'a', '{"v":1}');
    assert.equal(cache.derived(a, derive), '1:{"v":1}');
    assert.equal(cache.derived(cache.decode('r', 'ns', 'a', '{"v":1}'), derive), '1:{"v":1}');
    assert.equal(cache.size.text, '{"v":1}'.length + '1:{"v":1}'.length);
    const changed = cache.decode('r', 'ns', 'a', '{"v":2}');
    assert.equal(cache.derived(changed, derive), '2:{"v":2}');
    // The object the changed row replaced is no longer cached: its text is made for each read.
    assert.equal(cache.derived(a, derive), '3:{"v":1}');
    assert.equal(cache.derived({ v: 1 }, derive), '4:{"v":1}');
    assert.equal(cache.size.text, '{"v":2}'.length + '2:{"v":2}'.length);
  });

  test('forgetting a row drops its object and text', () => {
    const cache = new DecodedObjects();
    const a = cache.decode('r', 'ns', 'a', '{"v":1}');
    cache.decode('r', 'ns', 'b', '{"v":2}');
    cache.forget('r', 'ns', 'a');
    cache.forget('r', 'ns', 'gone');
    assert.deepEqual(cache.size, { objects: 1, text: '{"v":2}'.length });
    assert.notEqual(cache.decode('r', 'ns', 'a', '{"v":1}'), a);
  });

  test('the cache keeps int64 values exact', () => {
    const cache = new DecodedObjects();
    const object = cache.decode('r', '', 'a', '{"n":9007199254740993}');
    assert.equal(object['n'], 9007199254740993n);
  });
});

describe('objects written', () => {
  test('a row read through the cache and then written serves the written object to the next shared read; get gives a copy of its own', () => {
    const store = Store.open(join(dir, `store-${n++}.db`));
    try {
      const key = { resource: 'configmaps', namespace: 'default', name: 'a' };
      const created = store.create(key, configMap('a', { k: 'v' }));
      assert.ok(Object.isFrozen(created) && Object.isFrozen(created['data']), 'what a write returns is frozen');
      const read = store.getShared(key)!;
      assert.deepEqual(read, created);
      assert.equal(store.getShared(key), read, 'read again: the same object');
      const updated = store.update(key, configMap('a', { k: 'changed' }));
      assert.equal(store.getShared(key), updated, 'the written object, not a parse of its text');
      assert.throws(() => {
        (updated['data'] as Record<string, string>)['k'] = 'x';
      }, TypeError);
      const own = store.get(key)!;
      assert.notEqual(own, updated);
      assert.deepEqual(own, updated);
      (own['data'] as Record<string, string>)['k'] = 'mine';
      assert.deepEqual(store.getShared(key)!['data'], { k: 'changed' });
      store.delete(key);
      assert.equal(store.getShared(key), undefined);
    } finally {
      store.close();
    }
  });

  test('a write keeps no object of a row nobody read through the cache, and an entry serves only its own text', () => {
    const cache = new DecodedObjects();
    const written = { v: 2 };
    cache.rewritten('r', 'ns', 'a', '{"v":2}', written, 2);
    assert.deepEqual(cache.size, { objects: 0, text: 0 }, 'not read before: not kept');
    cache.decode('r', 'ns', 'a', '{"v":1}');
    cache.rewritten('r', 'ns', 'a', '{"v":2}', written, 2);
    assert.deepEqual(cache.size, { objects: 1, text: '{"v":2}'.length });
    assert.equal(cache.decode('r', 'ns', 'a', '{"v":2}'), written);
    // The row back at its old text (a transaction rolled back): parsed anew, never the written object.
    const back = cache.decode('r', 'ns', 'a', '{"v":1}');
    assert.notEqual(back, written);
    assert.deepEqual(back, { v: 1 });
  });

  test("an entry read or written with the row's revision serves a read of that revision alone, without the text", () => {
    const cache = new DecodedObjects();
    assert.equal(cache.atRevision('r', 'ns', 'a', 1), undefined, 'nothing cached');
    const read = cache.decode('r', 'ns', 'a', '{"v":1}');
    assert.equal(cache.atRevision('r', 'ns', 'a', 1), undefined, 'read without its revision: only its text can serve');
    assert.equal(cache.decode('r', 'ns', 'a', '{"v":1}', 1), read);
    assert.equal(cache.revisionOf('r', 'ns', 'a'), 1);
    assert.equal(cache.atRevision('r', 'ns', 'a', 1)?.object, read);
    assert.equal(cache.atRevision('r', 'ns', 'a', 1)?.text, '{"v":1}');
    assert.equal(cache.atRevision('r', 'ns', 'a', 2), undefined, 'another revision of the row');
    assert.equal(cache.atRevision('r', 'ns', 'b', 1), undefined, 'another row');
    const written = { v: 2 };
    cache.rewritten('r', 'ns', 'a', '{"v":2}', written, 2);
    assert.equal(cache.atRevision('r', 'ns', 'a', 1), undefined, 'the revision before the write');
    assert.equal(cache.atRevision('r', 'ns', 'a', 2)?.object, written);
    assert.equal(cache.atRevision('r', 'ns', 'a', 2)?.text, '{"v":2}');
    // A row decoded anew from another text takes that text's revision (or none).
    cache.decode('r', 'ns', 'a', '{"v":3}');
    assert.equal(cache.atRevision('r', 'ns', 'a', 2), undefined);
    assert.equal(cache.revisionOf('r', 'ns', 'a'), undefined);
    cache.decode('r', 'ns', 'a', '{"v":3}', 3);
    cache.clear();
    assert.equal(cache.atRevision('r', 'ns', 'a', 3), undefined, 'cleared');
  });

  test("an entry is the row's latest only when the store's own connection wrote or read it so, until the row's next write", () => {
    const cache = new DecodedObjects();
    cache.decode('r', 'ns', 'a', '{"v":1}', 1);
    assert.equal(cache.current('r', 'ns', 'a'), undefined, "a snapshot's read: the row may have changed since");
    const read = cache.decode('r', 'ns', 'a', '{"v":1}', 1, true);
    assert.equal(cache.current('r', 'ns', 'a')?.object, read, "read as the row's latest");
    assert.equal(cache.current('r', 'ns', 'b'), undefined, 'another row');
    const written = { v: 2 };
    cache.rewritten('r', 'ns', 'a', '{"v":2}', written, 2);
    assert.equal(cache.current('r', 'ns', 'a')?.object, written, 'the write is the latest');
    cache.decode('r', 'ns', 'a', '{"v":1}', 1);
    assert.equal(cache.current('r', 'ns', 'a')?.object, written, "an older snapshot's read of the older text leaves the latest in place");
    cache.decode('r', 'ns', 'a', '{"v":3}');
    assert.equal(cache.current('r', 'ns', 'a'), undefined, "a snapshot's read of another text, without its revision, is not the latest");
    assert.equal(cache.atRevision('r', 'ns', 'a', 3, true), undefined, 'read without its revision');
    cache.decode('r', 'ns', 'a', '{"v":3}', 3);
    assert.equal(cache.atRevision('r', 'ns', 'a', 3, true)?.text, '{"v":3}');
    assert.equal(cache.current('r', 'ns', 'a')?.text, '{"v":3}', "found at the row's revision by the store's own read");
    cache.forget('r', 'ns', 'a');
    assert.equal(cache.current('r', 'ns', 'a'), undefined, 'forgotten');
    cache.decode('r', 'ns', 'a', '{"v":3}', 3, true);
    cache.clear();
    assert.equal(cache.current('r', 'ns', 'a'), undefined, 'cleared');
  });

  test("a snapshot's read of a row from before its write never passes for the row's latest", async () => {
    const store = Store.open(join(dir, `store-${n++}.db`));
    try {
      store.create(key('a'), configMap('a', { k: 'a-1' }));
      const before = await store.snapshot();
      try {
        store.update(key('a'), configMap('a', { k: 'a-2' }));
        // The older snapshot reads the older text, by text (it takes the cache's place, without
        // a revision) and then by revision (the cache learns that text's revision).
        const [textRow] = [...before.rows('configmaps')];
        assert.equal((store.decodeRow('configmaps', textRow!)['data'] as Record<string, string>)['k'], 'a-1');
        const [row] = [...before.revisions('configmaps')];
        assert.equal((store.sharedRow(before, 'configmaps', row!).object['data'] as Record<string, string>)['k'], 'a-1');
      } finally {
        before.close();
      }
      assert.equal((store.getShared(key('a'))!['data'] as Record<string, string>)['k'], 'a-2');
      assert.equal((store.list('configmaps', { shared: true }).items[0]!['data'] as Record<string, string>)['k'], 'a-2');
      const latest = store.getShared(key('a'));
      assert.equal(store.getShared(key('a')), latest, 'the latest, read once, is served from the cache');
      store.update(key('a'), configMap('a', { k: 'a-3' }));
      assert.equal((store.getShared(key('a'))!['data'] as Record<string, string>)['k'], 'a-3');
      store.delete(key('a'));
      assert.equal(store.getShared(key('a')), undefined);
    } finally {
      store.close();
    }
  });

  test("shared reads and lists show each write at once, and an update starts from the stored object, whether the cache holds the row's revision or not", () => {
    const store = Store.open(join(dir, `store-${n++}.db`));
    try {
      const big = 'x'.repeat(8 * 1024);
      for (const name of ['a', 'b', 'c']) store.create(key(name), configMap(name, { k: `${name}-1`, big }));
      // a: read through the cache; b: listed; c: never read before its update.
      assert.equal((store.getShared(key('a'))!['data'] as Record<string, string>)['k'], 'a-1');
      assert.deepEqual(store.list('configmaps', { shared: true }).items.map((o) => (o['data'] as Record<string, string>)['k']), ['a-1', 'b-1', 'c-1']);
      const listed = store.list('configmaps', { shared: true }).items;
      assert.equal(store.list('configmaps', { shared: true }).items[1], listed[1], 'a second list serves the cached objects');
      for (const name of ['a', 'b', 'c']) {
        const current = store.getShared(key(name))!;
        store.update(key(name), { ...configMap(name, { ...(current['data'] as Record<string, string>), k: `${name}-2` }) });
      }
      assert.deepEqual(store.list('configmaps', { shared: true }).items.map((o) => (o['data'] as Record<string, string>)['k']), ['a-2', 'b-2', 'c-2']);
      assert.deepEqual(store.list('configmaps').items.map((o) => (o['data'] as Record<string, string>)['k']), ['a-2', 'b-2', 'c-2']);
      assert.equal((store.getShared(key('b'))!['data'] as Record<string, string>)['big'], big);
      assert.deepEqual(store.list('configmaps', { shared: true, containing: ['b-2'] }).items.map((o) => (o['data'] as Record<string, string>)['k']), ['b-2'], 'a filter on the text');
      // The change log keeps each update's previous text: the object as it was stored.
      const [change] = store.changesSince('configmaps', store.revision - 1);
      assert.equal((change!.previous!['data'] as Record<string, string>)['k'], 'c-1');
      store.delete(key('b'));
      assert.equal(store.getShared(key('b')), undefined);
      assert.deepEqual(store.list('configmaps', { shared: true }).items.map((o) => (o['metadata'] as { name: string }).name), ['a', 'c']);
    } finally {
      store.close();
    }
  });

  test('a list read by revision takes the cached object without reading its text, and a snapshot from before a write still shows the object as it was', async () => {
    const store = Store.open(join(dir, `store-${n++}.db`));
    try {
      for (const name of ['a', 'b']) store.create(key(name), configMap(name, { k: `${name}-1` }));
      const cachedA = store.getShared(key('a'))!;
      const before = await store.snapshot();
      store.update(key('a'), configMap('a', { k: 'a-2' }));
      const cachedA2 = store.getShared(key('a'))!;
      const now = await store.snapshot();
      try {
        // The snapshot from before the write reads a's text as it was, though the cache holds the write.
        const old = [...before.revisions('configmaps')].map((row) => store.sharedRow(before, 'configmaps', row));
        assert.deepEqual(old.map(({ object }) => (object['data'] as Record<string, string>)['k']), ['a-1', 'b-1']);
        assert.deepEqual(decodeStored(old[0]!.text), { ...cachedA });
        before.close();
        // Now: a is cached at its row's revision and served as it is, its text unread; b is read and kept.
        const unread = new Set(['a']);
        const readText = now.text.bind(now);
        now.text = (resource, namespace, name) => {
          assert.ok(!unread.has(name), `the text of ${name} was read though the cache holds its revision`);
          return readText(resource, namespace, name);
        };
        const rows = [...now.revisions('configmaps')];
        const listed = rows.map((row) => store.sharedRow(now, 'configmaps', row));
        assert.deepEqual(listed.map(({ object }) => (object['data'] as Record<string, string>)['k']), ['a-2', 'b-1']);
        assert.equal(listed[0]!.object, cachedA2, 'the cached object itself');
        assert.deepEqual(decodeStored(listed[0]!.text), { ...listed[0]!.object });
        assert.ok(Object.isFrozen(listed[1]!.object), 'an object read for the list is the shared, frozen one');
        unread.add('b');
        assert.equal(store.sharedRow(now, 'configmaps', rows[1]!).object, listed[1]!.object, "b is cached now, at its row's revision");
      } finally {
        before.close();
        now.close();
      }
    } finally {
      store.close();
    }
  });

  test('a list stream read by revision or by text gives the same items, and nothing once closed', async () => {
    const store = Store.open(join(dir, `store-${n++}.db`));
    try {
      for (const name of ['a', 'b', 'c']) store.create(key(name), configMap(name, { k: name }));
      store.getShared(key('b'));
      const read = async (objects: boolean) => {
        const stream = await ListStream.open(store, 'configmaps', { range: {}, limit: 2, objects });
        const piece = stream.take();
        return { token: stream.continueToken !== undefined, done: piece.done, texts: piece.items.map((item) => item.text), names: piece.items.map((item) => (item.object()['metadata'] as { name: string }).name) };
      };
      const byText = await read(false);
      assert.deepEqual(byText.names, ['a', 'b']);
      assert.deepEqual(await read(true), byText);
      for (const objects of [false, true]) {
        const stream = await ListStream.open(store, 'configmaps', { range: {}, limit: 0, objects });
        stream.close();
        assert.deepEqual(stream.take(), { items: [], done: true }, 'a stream closed before its first piece gives nothing');
        // A piece of one row: the next row is read ahead, and the close comes before it is given.
        const pieces = await ListStream.open(store, 'configmaps', { range: {}, limit: 0, objects });
        assert.deepEqual(pieces.take(1).items.map((item) => (item.object()['metadata'] as { name: string }).name), ['a']);
        pieces.close();
        assert.deepEqual(pieces.take(), { items: [], done: true }, 'a stream closed with a row read ahead gives nothing');
      }
    } finally {
      store.close();
    }
  });

  test('a written object holding what its text cannot carry is not served for it', () => {
    const store = Store.open(join(dir, `store-${n++}.db`));
    try {
      const key = { resource: 'configmaps', namespace: 'default', name: 'a' };
      store.create(key, configMap('a', { k: 'v' }));
      store.getShared(key);
      const written = store.update(key, { ...configMap('a', { k: 'v' }), when: new Date(0) });
      const read = store.getShared(key)!;
      assert.notEqual(read, written);
      assert.equal(read['when'], '1970-01-01T00:00:00.000Z');
    } finally {
      store.close();
    }
  });

  test('freezeAsStored makes an object what its text parses to, or says it cannot', () => {
    const object: Record<string, unknown> = { a: undefined, b: { c: undefined, d: [1, 'x', null, { e: undefined }] }, big: 9007199254740993n };
    assert.equal(freezeAsStored(object), true);
    assert.deepStrictEqual(object, decodeStored(encodeObject(object)));
    assert.ok(Object.isFrozen(object) && Object.isFrozen((object['b'] as { d: unknown[] }).d));
    for (const [what, value] of [
      ['a Date', new Date(0)], ['NaN', Number.NaN], ['Infinity', Number.POSITIVE_INFINITY], ['-0', -0],
      ['a whole number beyond 2^53 as a double', 2 ** 60], ['a BigInt within 2^53', 5n], ['undefined in an array', [undefined]],
      ['an array with a hole', Object.assign(new Array<number>(2), { 1: 1 })], ['a function', () => 1], ['an object without a prototype', Object.create(null) as object],
    ] as [string, unknown][]) {
      assert.equal(freezeAsStored({ nested: { value } }), false, what);
    }
    // Random JSON-like objects, with undefined members here and there: once faithful, equal to the parse of their text.
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const make = (depth: number): unknown => {
      const pick = random();
      if (depth > 3 || pick < 0.3) return [() => 'text', () => Math.floor(random() * 1000), () => random() < 0.5, () => null, () => random() * 10][Math.floor(random() * 5)]!();
      if (pick < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => make(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, (_, i) => [`k${i}`, random() < 0.2 ? undefined : make(depth + 1)]));
    };
    for (let i = 0; i < 2000; i++) {
      const value = { root: make(0) };
      assert.equal(freezeAsStored(value), true);
      assert.deepStrictEqual(value, decodeStored(encodeObject(value)));
    }
  });
});

describe('lists through the cache', () => {
  let s: StartedPlane;
  before(async () => {
    s = await startControlPlane();
  });
  after(async () => {
    await s.stop();
  });

  test('a list, a Table and a selected list show an object as changed since the last list', async () => {
    // A namespace of its own: default holds kube-root-ca.crt.
    assert.equal((await api(s.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cached' } } })).status, 201);
    const path = '/api/v1/namespaces/cached/configmaps?fieldSelector=metadata.name%3Dc';
    assert.equal((await api(s.plane, 'POST', '/api/v1/namespaces/cached/configmaps', { body: configMap('c', { k: 'v' }, 'cached') })).status, 201);
    const read = async () => ({
      list: (await api(s.plane, 'GET', path)).json() as { items: { data: Record<string, string> }[] },
      table: (await api(s.plane, 'GET', path, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json() as { rows: { cells: unknown[]; object: { metadata: { labels: Record<string, string> } } }[] },
      selected: (await api(s.plane, 'GET', `${path}&labelSelector=app%3Db`)).json() as { items: unknown[] },
    });
    const before = await read();
    assert.deepEqual(before.list.items.map((i) => i.data), [{ k: 'v' }]);
    assert.equal(before.table.rows[0]!.cells[1], 1);
    assert.equal(before.selected.items.length, 0);

    const patched = await api(s.plane, 'PATCH', '/api/v1/namespaces/cached/configmaps/c', { contentType: 'application/merge-patch+json', body: { metadata: { labels: { app: 'b' } }, data: { k2: 'w' } } });
    assert.equal(patched.status, 200, patched.body);
    const after = await read();
    assert.deepEqual(after.list.items.map((i) => i.data), [{ k: 'v', k2: 'w' }]);
    assert.equal(after.table.rows[0]!.cells[1], 2);
    assert.deepEqual(after.table.rows[0]!.object.metadata.labels, { app: 'b' });
    // The row's object, made once for the stored object, is its metadata as a GET shows it.
    const got = (await api(s.plane, 'GET', '/api/v1/namespaces/cached/configmaps/c')).json() as { metadata: unknown };
    assert.deepEqual(after.table.rows[0]!.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: got.metadata });
    const again = await read();
    assert.deepEqual(again.table.rows[0]!.object, after.table.rows[0]!.object);
    const whole = (await api(s.plane, 'GET', `${path}&includeObject=Object`, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json() as { rows: { object: unknown }[] };
    assert.deepEqual(whole.rows[0]!.object, got);
    assert.equal(after.selected.items.length, 1);
  });

  test("a write over the stored object, shared and frozen, changes only its own copy: a custom resource's second applier, a patch, a status write", async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'crontabs.frozen.example.com' },
      spec: {
        group: 'frozen.example.com', scope: 'Namespaced', names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab' },
        versions: [{
          name: 'v1', served: true, storage: true, subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', properties: {
            spec: { type: 'object', properties: { replicas: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } }, ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } } } } },
            status: { type: 'object', properties: { ready: { type: 'integer' } } },
          } } },
        }],
      },
    };
    assert.equal((await api(s.plane, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd })).status, 201);
    const path = '/apis/frozen.example.com/v1/namespaces/default/crontabs/applied';
    const apply = async (manager: string, spec: unknown) => {
      const body = JSON.stringify({ apiVersion: 'frozen.example.com/v1', kind: 'CronTab', metadata: { name: 'applied', namespace: 'default' }, spec });
      for (let tries = 0; ; tries++) {
        const answer = await api(s.plane, 'PATCH', `${path}?fieldManager=${manager}`, { contentType: 'application/apply-patch+yaml', body });
        // The new kind is served once its CRD is established.
        if (answer.status !== 404 || tries > 50) return answer;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const mine = await apply('mine', { replicas: 2, ports: [{ name: 'a', port: 1 }], tags: ['x'] });
    assert.equal(mine.status, 201, mine.body);
    // Read, so the stored object is the cache's, then applied over by another manager.
    assert.equal((await api(s.plane, 'GET', path)).status, 200);
    const theirs = await apply('other', { ports: [{ name: 'b', port: 2 }] });
    assert.equal(theirs.status, 200, theirs.body);
    const patched = await api(s.plane, 'PATCH', path, { contentType: 'application/json-patch+json', body: [{ op: 'add', path: '/spec/tags/0', value: 'y' }] });
    assert.equal(patched.status, 200, patched.body);
    const status = await api(s.plane, 'PATCH', `${path}/status`, { contentType: 'application/merge-patch+json', body: { status: { ready: 1 } } });
    assert.equal(status.status, 200, status.body);
    const got = (await api(s.plane, 'GET', path)).json() as { spec: unknown; status: unknown };
    assert.deepEqual(got.spec, { replicas: 2, ports: [{ name: 'a', port: 1 }, { name: 'b', port: 2 }], tags: ['y', 'x'] });
    assert.deepEqual(got.status, { ready: 1 });
  });

  test("mutate hands its change a copy of its own, or with shared the frozen object itself, and writes what the change builds", async () => {
    assert.equal((await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: configMap('m', { k: '1' }) })).status, 201);
    const configMaps = resource('configmaps');
    const objects = s.plane.api;
    objects.mutate(configMaps, 'default', 'm', (current) => {
      assert.equal(Object.isFrozen(current), false);
      (current['data'] as Record<string, string>)['k'] = '2';
      return current;
    }, AS_CONTROLLER);
    const shared = objects.findShared(configMaps, 'default', 'm');
    let given: unknown;
    const written = objects.mutate(configMaps, 'default', 'm', (current) => {
      given = current;
      assert.ok(Object.isFrozen(current) && Object.isFrozen(current['data']));
      return { ...current, data: { ...(current['data'] as Record<string, string>), k2: '3' } };
    }, AS_CONTROLLER, undefined, { shared: true });
    assert.equal(given, shared, 'the shared object itself, not a copy');
    assert.deepEqual(written?.['data'], { k: '2', k2: '3' });
    const got = (await api(s.plane, 'GET', '/api/v1/namespaces/default/configmaps/m')).json() as { data: unknown };
    assert.deepEqual(got.data, { k: '2', k2: '3' });
  });
});
