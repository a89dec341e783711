/**
 * The control plane's store: every object as JSON in SQLite, plus a log of every change keyed by
 * one global revision, which is what clients see as `resourceVersion` (etcd's model, as kine
 * maps it onto SQL for k3s).
 *
 * SQLite runs in WAL mode, and a write is on disk before its request is answered: a kill -9, or a
 * power cut, loses nothing that was acknowledged. The store flushes the write-ahead log itself
 * (`fdatasync`, what SQLite's `synchronous=FULL` does inside COMMIT) so that the flush of one group
 * of writes runs on libuv's thread pool while the next group is gathered (see `group`). On a full
 * disk it keeps serving reads and deletions (space-guard.ts).
 */
import Database from 'better-sqlite3';
import { closeSync, fdatasync, fdatasyncSync, openSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_RESERVE_BYTES, SpaceGuard } from './space-guard.js';
import { decodeStored, encodeObject } from './encoding.js';
import { ObjectMissing, ObjectExists, RevisionConflict, RevisionCompacted } from './errors.js';
import { ReaderPool } from './readers.js';
import { Snapshot, type RevisionRow, type StoredRow } from './snapshot.js';
import { DecodedObjects, type Derivation } from './decoded-objects.js';
import { freezeAsStored } from './frozen.js';
import { indexKeys, sameKeys } from './index-keys.js';
import { WatchHub, type Change, type ChangeListener } from './watch-hub.js';

export type StoredObject = Record<string, unknown>;

export interface ObjectKey {
  /** The resource, group-qualified outside the core group: `pods`, `apps/daemonsets`. */
  resource: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  name: string;
}

export interface ListOptions {
  /** Only this namespace ('' or undefined: all). */
  namespace?: string;
  /** Resume after this object (for `continue`). */
  after?: { namespace: string; name: string };
  /** At most this many objects (0 or undefined: all). */
  limit?: number;
  /**
   * Only objects whose stored JSON text contains each of these strings: a prefilter that SQLite
   * applies before any row is parsed, for callers that know a text their objects must hold (an
   * owner's uid, a label's value). It may let through objects that do not match otherwise.
   */
  containing?: readonly string[];
  /** Only objects with this index key (index-keys.ts: a uid they refer to, a label): read through the index, not a scan. */
  indexKey?: string;
  /** The objects shared and deep-frozen (see `decodeRow`), for readers that change nothing. */
  shared?: boolean;
}

export interface ListResult {
  items: StoredObject[];
  /** The store's revision when the list was read. */
  revision: number;
  /** Whether objects remain after the last one returned. */
  more: boolean;
}

/**
 * The objects, in a table with rowids: the key's index (the primary key's) holds the keys alone,
 * which is what a lookup compares and what a limited list counts its page ends with
 * (Snapshot.keyAt), and the table's leaf pages hold an object of up to 4 KiB whole. (A table
 * WITHOUT ROWID, as stores before were, keeps only about 1 KiB of each row in its b-tree and the
 * rest on overflow pages, and SQLite reads a compared row whole, overflow pages and all, at every
 * step of a lookup's search: 19,000 reads of the file in the 110-pod run, against 2,100.)
 */
const OBJECTS_TABLE = (name: string): string => `CREATE TABLE IF NOT EXISTS ${name} (
  resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  revision INTEGER NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (resource, namespace, name)
);`;

const SCHEMA = `
${OBJECTS_TABLE('objects')}
CREATE TABLE IF NOT EXISTS changes (
  revision INTEGER PRIMARY KEY, resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  type TEXT NOT NULL, value TEXT NOT NULL, previous TEXT
);
CREATE INDEX IF NOT EXISTS changes_by_resource ON changes (resource, revision);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
-- Each object's index keys (index-keys.ts): an owner's objects, a label's objects.
CREATE TABLE IF NOT EXISTS index_keys (
  resource TEXT NOT NULL, key TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  PRIMARY KEY (resource, key, namespace, name)
) WITHOUT ROWID;
`;

/** Which keys index_keys holds (index-keys.ts): a store indexed by another version is indexed again when it opens. */
const INDEX_KEYS_VERSION = 2;

/** The objects of the control plane and their history, in one SQLite file. */
export class Store {
  readonly #db: Database.Database;
  /** Runs one write in its own transaction, or in a savepoint of the open one; made once (better-sqlite3 builds four functions for each). */
  readonly #transaction: (body: () => WriteResult) => WriteResult;
  readonly #hub = new WatchHub();
  readonly #readers: ReaderPool;
  readonly #snapshots = new Set<Snapshot>();
  readonly #decoded = new DecodedObjects();
  #revision: number;
  #compacted: number;
  readonly #statements;
  /** The list statements, by their SQL: a few shapes (namespace, after, limit, how many texts), each prepared once; a shared list reads the rows' revisions, not their texts. */
  readonly #lists = new Map<string, Database.Statement<(string | number)[], { namespace: string; name: string; value?: string; revision?: number }>>();
  readonly #space: SpaceGuard;
  /** The transaction `batch` or `group` writes joined, until it commits. */
  #open: OpenTransaction | undefined;
  /** How deep `batch` and `group` calls are: above 0, writes join `#open`. */
  #joining = 0;
  /** The revision of the latest change watchers have heard of: every change up to it is committed and flushed. */
  #published: number;
  /** The write-ahead log, opened to flush it (`fdatasync`); SQLite keeps the file while its connection is open. */
  readonly #wal: number;
  /** Transactions committed whose flush is still to finish, oldest first: their changes are not published yet. */
  readonly #flushing: FlushingTransaction[] = [];
  /** Whether a flush runs on the thread pool. */
  #flushRunning = false;
  /** The open transaction whose commit waits for the running flush to end (see `group`). */
  #commitAfterFlush: OpenTransaction | undefined;
  /** Who waits for a revision to be flushed (snapshots). */
  #flushWaiters: { revision: number; resolve: () => void }[] = [];

  private constructor(db: Database.Database, file: string, space: SpaceGuard) {
    this.#db = db;
    this.#transaction = db.transaction((body: () => WriteResult) => body());
    this.#readers = new ReaderPool(file);
    this.#space = space;
    db.exec(SCHEMA);
    Store.#objectsWithRowids(db, file);
    // The old layout's own index of the keys, made again by an older hostpod that opened a moved
    // store: the primary key's index is that index, and every write would keep both up to date.
    db.exec('DROP INDEX IF EXISTS objects_keys');
    // The schema's first read made SQLite create the log, if it was not there.
    this.#wal = openSync(`${file}-wal`, 'r');
    const meta = db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?');
    this.#revision = meta.get('revision')?.value ?? 1;
    this.#compacted = meta.get('compacted')?.value ?? 0;
    this.#published = this.#revision;
    // Every write of `objects` is one of these, run by #write, which tells the cache of decoded
    // objects (a cached object serves the reads of its row's revision: see DecodedObjects).
    this.#statements = {
      get: db.prepare<[string, string, string], { value: string }>('SELECT value FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      // The row's text only when its revision is not the one given (the cached object's): SQLite
      // then reads none of the text's overflow pages (see DecodedObjects).
      read: db.prepare<[number, string, string, string], { revision: number; value: string | null }>(
        'SELECT revision, CASE WHEN revision = ? THEN NULL ELSE value END AS value FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      insert: db.prepare('INSERT INTO objects (resource, namespace, name, revision, value) VALUES (?, ?, ?, ?, ?)'),
      replace: db.prepare('UPDATE objects SET revision = ?, value = ? WHERE resource = ? AND namespace = ? AND name = ?'),
      remove: db.prepare('DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      log: db.prepare('INSERT INTO changes (revision, resource, namespace, name, type, value, previous) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      since: db.prepare<[string, number], { revision: number; namespace: string; name: string; type: string; value: string; previous: string | null }>(
        'SELECT revision, namespace, name, type, value, previous FROM changes WHERE resource = ? AND revision > ? ORDER BY revision'),
      addKey: db.prepare('INSERT OR IGNORE INTO index_keys (resource, key, namespace, name) VALUES (?, ?, ?, ?)'),
      dropKey: db.prepare('DELETE FROM index_keys WHERE resource = ? AND key = ? AND namespace = ? AND name = ?'),
    };
    this.#fillIndex(meta.get('index_keys')?.value === INDEX_KEYS_VERSION);
  }

  /**
   * Moves the objects of a store written before they had rowids into a table that has them (see
   * OBJECTS_TABLE), in one transaction: all or, when it fails, nothing. The move writes the objects
   * twice more for a while (the new table, and the log until it is checkpointed), so it waits for
   * a disk with room for three times the store; until then, or when the disk fills meanwhile, the
   * store goes on with the table it has, which every statement reads as well, and says so.
   */
  static #objectsWithRowids(db: Database.Database, file: string): void {
    const table = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'objects'").get();
    if (!table || !/WITHOUT\s+ROWID/i.test(table.sql)) return;
    const pages = Number(db.pragma('page_count', { simple: true })) - Number(db.pragma('freelist_count', { simple: true }));
    const needed = 3 * pages * Number(db.pragma('page_size', { simple: true }));
    const disk = statfsSync(dirname(file));
    const free = disk.bavail * disk.bsize;
    const later = (why: string): void => process.emitWarning(
      `the store ${file} keeps its objects in the layout of earlier hostpods (${why}); they move to the new one, which reads them faster, when it opens with ${Math.ceil(needed / 1048576)} MiB free beside it`,
      { code: 'HOSTPOD_STORE_LAYOUT' });
    if (free < needed) return later(`${Math.floor(free / 1048576)} MiB free`);
    try {
      db.transaction(() => {
        db.exec('DROP TABLE IF EXISTS objects_with_rowids');
        db.exec(OBJECTS_TABLE('objects_with_rowids'));
        db.exec('INSERT INTO objects_with_rowids (resource, namespace, name, revision, value) SELECT resource, namespace, name, revision, value FROM objects');
        // Its index of keys (objects_keys) goes with it: the new table's primary key is that index.
        db.exec('DROP TABLE objects');
        db.exec('ALTER TABLE objects_with_rowids RENAME TO objects');
      })();
    } catch (error) {
      if (!(error instanceof Database.SqliteError && error.code.startsWith('SQLITE_FULL'))) throw error;
      return later('the disk filled while they moved');
    }
    // The log holds a copy of every object now: into the database, and the log emptied. (The old
    // table's pages are free pages of the file, which the writes that follow take first.)
    db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /**
   * Fills the index once for a store written before it existed (the table is new, the objects
   * are not): every object is read once, in one transaction.
   */
  #fillIndex(done: boolean): void {
    if (done) return;
    // In pages: a connection cannot write while it iterates, and the store may be large.
    const page = this.#db.prepare<[string, string, string], { resource: string; namespace: string; name: string; value: string }>(
      'SELECT resource, namespace, name, value FROM objects WHERE (resource, namespace, name) > (?, ?, ?) ORDER BY resource, namespace, name LIMIT 500');
    this.#db.transaction(() => {
      this.#db.exec('DELETE FROM index_keys');
      for (let after = ['', '', ''] as [string, string, string], rows = page.all(...after); rows.length > 0; rows = page.all(...after)) {
        for (const row of rows) this.#addKeys(row, indexKeys(row.resource, decodeStored(row.value)));
        const last = rows[rows.length - 1]!;
        after = [last.resource, last.namespace, last.name];
      }
      this.#statements.setMeta.run('index_keys', INDEX_KEYS_VERSION);
    })();
  }

  #addKeys(key: ObjectKey, keys: readonly string[]): void {
    for (const indexKey of keys) this.#statements.addKey.run(key.resource, indexKey, key.namespace, key.name);
  }

  #dropKeys(key: ObjectKey, keys: readonly string[]): void {
    for (const indexKey of keys) this.#statements.dropKey.run(key.resource, indexKey, key.namespace, key.name);
  }

  /**
   * Opens (creating if needed) the store in `file`, with a reserve of `reserveBytes` beside it for
   * the deletions a full disk must still accept.
   */
  static open(file: string, options: { reserveBytes?: number } = {}): Store {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // COMMIT writes the log without flushing it; the store flushes it (#flush). SQLite still flushes
    // the log before a checkpoint and the database after it.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    // A write inside an open transaction runs in a savepoint, whose undo journal SQLite spills to a
    // temporary file past 64 KiB (a pod's write touches more than that in 4 KiB pages): kept in
    // memory, it costs no file of its own (35 files and 1,630 writes in the 110-pod run).
    db.pragma('temp_store = MEMORY');
    const space = new SpaceGuard(dirname(file), options.reserveBytes ?? DEFAULT_RESERVE_BYTES, join(dirname(file), 'space-reserve'));
    space.ensureReserve();
    return new Store(db, file, space);
  }

  /** Whether the disk is full: only deletions (and heartbeats) are written until space returns. */
  get diskFull(): boolean {
    return this.#space.alarmed;
  }

  /** The revision of the latest change (which may still wait for its commit: see `group`). */
  get revision(): number {
    return this.#revision;
  }

  /** The revision of the latest change the watchers have heard of: every change up to it is committed and published. */
  get publishedRevision(): number {
    return this.#published;
  }

  /** The oldest revision a watch can still start from. */
  get compactedRevision(): number {
    return this.#compacted;
  }

  /** The stored object, parsed for this caller alone (its own to change). */
  get(key: ObjectKey): StoredObject | undefined {
    const row = this.#statements.get.get(key.resource, key.namespace, key.name);
    return row ? decodeStored(row.value) : undefined;
  }

  /** `get`, shared and deep-frozen (see `decodeRow`): for readers that change nothing. */
  getShared(key: ObjectKey): Readonly<StoredObject> | undefined {
    return this.#readShared(key)?.object;
  }

  /**
   * The stored object of `key`, shared and deep-frozen, and its text: the cached one when it is of
   * the row's revision (its text is not read then), otherwise decoded from the row's text.
   */
  #readShared(key: ObjectKey): { object: Readonly<Record<string, unknown>>; text: string } | undefined {
    const { resource, namespace, name } = key;
    // The row's latest text, when the cache knows it (this connection wrote or read it since the
    // last write of the row): no SQLite read at all.
    const current = this.#decoded.current(resource, namespace, name);
    if (current) return current;
    const row = this.#statements.read.get(this.#decoded.revisionOf(resource, namespace, name) ?? -1, resource, namespace, name);
    return row ? this.#sharedAt(resource, namespace, name, row.revision, row.value ?? undefined) : undefined;
  }

  /**
   * The shared object of the row `resource`/`namespace`/`name` at `revision`, the row's latest as
   * this connection reads it, and its text: the cached one when it is of that revision, otherwise
   * decoded from `text`, or from the row's text read now when the reader has none.
   */
  #sharedAt(resource: string, namespace: string, name: string, revision: number, text?: string): { object: Readonly<Record<string, unknown>>; text: string } {
    const cached = text === undefined ? this.#decoded.atRevision(resource, namespace, name, revision, true) : undefined;
    if (cached) return cached;
    const read = text ?? this.#statements.get.get(resource, namespace, name)!.value;
    return { object: this.#decoded.decode(resource, namespace, name, read, revision, true), text: read };
  }

  /**
   * The object a row of `resource` read from a snapshot holds, parsed once for all the reads of
   * the same text (see `DecodedObjects`). It is deep-frozen and shared: copy it to change it.
   */
  decodeRow(resource: string, row: StoredRow): Readonly<StoredObject> {
    return this.#decoded.decode(resource, row.namespace, row.name, row.value);
  }

  /**
   * The object of a row a snapshot read by revision (`Snapshot.revisions`), shared and deep-frozen
   * as `decodeRow`'s, and its text: the cached one when the cache holds the row's revision (its
   * text is not read then), otherwise the row's text read through `snapshot`, and decoded.
   * @throws Error when the row is not in the snapshot (a caller's error: its key came from it)
   */
  sharedRow(snapshot: Snapshot, resource: string, row: RevisionRow): { object: Readonly<StoredObject>; text: string } {
    const cached = this.#decoded.atRevision(resource, row.namespace, row.name, row.revision);
    if (cached) return cached;
    const text = snapshot.text(resource, row.namespace, row.name);
    if (text === undefined) throw new Error(`the store snapshot has no row ${resource} ${row.namespace}/${row.name}`);
    return { object: this.#decoded.decode(resource, row.namespace, row.name, text, row.revision), text };
  }

  /**
   * What `derive` makes of an object `decodeRow` gave, made once while the object stays cached
   * (see `DecodedObjects.derived`): `derive` must depend on the object alone.
   */
  derivedText(object: Readonly<StoredObject>, derive: Derivation): string {
    return this.#decoded.derived(object, derive);
  }

  /** Lists one resource's objects in (namespace, name) order. */
  list(resource: string, options: ListOptions = {}): ListResult {
    // Through the index, the keys come from `index_keys` (r) and the texts from `objects` (o).
    const indexed = options.indexKey !== undefined;
    const keys = indexed ? 'r.' : '';
    // Shared objects come from the cache when it holds the row's revision: the texts are read only
    // for the others, each by its key (a filter on the text has read it already: it is taken then).
    const byRevision = options.shared === true && (options.containing ?? []).length === 0;
    const where = [`${keys}resource = ?`];
    const params: (string | number)[] = [resource];
    if (indexed) {
      where.push('r.key = ?');
      params.push(options.indexKey!);
    }
    if (options.namespace) {
      where.push(`${keys}namespace = ?`);
      params.push(options.namespace);
    }
    if (options.after) {
      where.push(`(${keys}namespace, ${keys}name) > (?, ?)`);
      params.push(options.after.namespace, options.after.name);
    }
    for (const text of options.containing ?? []) {
      where.push(`instr(${indexed ? 'o.' : ''}value, ?) > 0`);
      params.push(text);
    }
    const limit = options.limit && options.limit > 0 ? options.limit : undefined;
    const from = indexed ? 'index_keys r JOIN objects o ON o.resource = r.resource AND o.namespace = r.namespace AND o.name = r.name' : 'objects';
    const sql = `SELECT ${keys}namespace AS namespace, ${keys}name AS name, ${indexed ? 'o.' : ''}${byRevision ? 'revision' : 'value'} AS ${byRevision ? 'revision' : 'value'} FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${keys}namespace, ${keys}name${limit ? ' LIMIT ?' : ''}`;
    if (limit) params.push(limit + 1);
    let statement = this.#lists.get(sql);
    if (!statement) {
      statement = this.#db.prepare<(string | number)[], { namespace: string; name: string; value?: string; revision?: number }>(sql);
      this.#lists.set(sql, statement);
    }
    const rows = statement.all(...params);
    const more = limit !== undefined && rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map((r) => (byRevision
      ? this.#sharedAt(resource, r.namespace, r.name, r.revision!).object as StoredObject
      : options.shared === true ? this.#decoded.decode(resource, r.namespace, r.name, r.value!) as StoredObject : decodeStored(r.value!)));
    return { items, revision: this.#revision, more };
  }

  /** How many objects each resource has (as the store names them: `pods`, `apps/daemonsets`): what kube-apiserver's apiserver_storage_objects reports. */
  counts(): Map<string, number> {
    const rows = this.#db.prepare<[], { resource: string; n: number }>('SELECT resource, COUNT(*) AS n FROM objects GROUP BY resource ORDER BY resource').all();
    return new Map(rows.map((r) => [r.resource, r.n]));
  }

  /**
   * Creates an object; its `metadata.resourceVersion` becomes the new revision. Returns the stored
   * object, deep-frozen: it is shared with the watchers and the cache's readers (copy it to change it).
   * @throws ObjectExists
   */
  create(key: ObjectKey, object: StoredObject): StoredObject {
    return this.#write(false, () => {
      if (this.#statements.get.get(key.resource, key.namespace, key.name)) throw new ObjectExists(key);
      const revision = this.#revision + 1;
      const stored = withRevision(object, revision);
      const value = encodeObject(stored);
      this.#statements.insert.run(key.resource, key.namespace, key.name, revision, value);
      this.#addKeys(key, indexKeys(key.resource, stored));
      this.#logChange(revision, key, 'ADDED', value, null);
      return { stored, change: { type: 'ADDED', revision, key, object: stored, text: value } };
    });
  }

  /**
   * Replaces an object. With `expectedRevision`, only if the stored one still has it. Returns the
   * stored object, deep-frozen, as `create`.
   * @throws ObjectMissing, RevisionConflict
   */
  update(key: ObjectKey, object: StoredObject, expectedRevision?: number): StoredObject {
    return this.#write(finishesWork(key, object), () => {
      const { object: previous, text: previousText } = this.#current(key, expectedRevision);
      const revision = this.#revision + 1;
      const stored = withRevision(object, revision);
      const value = encodeObject(stored);
      this.#statements.replace.run(revision, value, key.resource, key.namespace, key.name);
      const [was, is] = [indexKeys(key.resource, previous), indexKeys(key.resource, stored)];
      if (!sameKeys(was, is)) {
        this.#dropKeys(key, was.filter((k) => !is.includes(k)));
        this.#addKeys(key, is);
      }
      this.#logChange(revision, key, 'MODIFIED', value, previousText);
      return { stored, change: { type: 'MODIFIED', revision, key, object: stored, text: value, previous } };
    });
  }

  /**
   * Removes an object and returns it as it was last stored (deep-frozen, as `create`).
   * @throws ObjectMissing, RevisionConflict
   */
  delete(key: ObjectKey, expectedRevision?: number): StoredObject {
    return this.#write(true, () => {
      const { object: previous, text: previousText } = this.#current(key, expectedRevision);
      const revision = this.#revision + 1;
      // A DELETED event carries the object at the revision of its deletion, as etcd3's watcher sends it.
      const stored = withRevision(previous, revision);
      const value = encodeObject(stored);
      this.#statements.remove.run(key.resource, key.namespace, key.name);
      this.#dropKeys(key, indexKeys(key.resource, previous));
      this.#logChange(revision, key, 'DELETED', value, previousText);
      return { stored, change: { type: 'DELETED', revision, key, object: stored, text: value, previous } };
    });
  }

  /**
   * The changes to one resource after `revision`, oldest first.
   * @throws RevisionCompacted when the log no longer reaches back that far
   */
  changesSince(resource: string, revision: number): Change[] {
    if (revision < this.#compacted) throw new RevisionCompacted(revision, this.#compacted);
    return this.#statements.since.all(resource, revision).map((row) => ({
      type: row.type as Change['type'],
      revision: row.revision,
      key: { resource, namespace: row.namespace, name: row.name },
      object: decodeStored(row.value),
      text: row.value,
      ...(row.previous === null ? {} : { previous: decodeStored(row.previous) }),
    }));
  }

  /**
   * A consistent read of the whole store at its current revision, over a connection of its own,
   * for reads that take more than one step (see `Snapshot`). Waits while too many are open.
   */
  async snapshot(): Promise<Snapshot> {
    const db = await this.#readers.acquire();
    try {
      const snapshot: Snapshot = new Snapshot(db, (released) => {
        this.#snapshots.delete(snapshot);
        this.#readers.release(released);
      });
      this.#snapshots.add(snapshot);
      // What it reads may be committed but not yet flushed: nobody is shown it before it is on disk.
      await this.#flushedThrough(snapshot.revision);
      return snapshot;
    } catch (error) {
      this.#readers.release(db);
      throw error;
    }
  }

  /**
   * Runs `fn`, whose writes become one transaction, committed (flushed to disk once) when it
   * returns: what a controller's turn of syncs writes costs one commit rather than one each. For
   * synchronous work only: nothing else runs on the event loop meanwhile, so no request reads or
   * acknowledges a write before it is committed. Watchers hear of the writes after the commit, in
   * revision order. A write that fails inside `fn` undoes itself only. Inside `group` (or another
   * batch) its writes join the open transaction, and the outermost one commits. On a full disk
   * each write commits on its own (see `group`).
   * @throws the commit's failure, after which none of `fn`'s writes are stored or published
   */
  batch<T>(fn: () => T): T {
    if (this.#joining > 0) return fn();
    this.#joining++;
    let result: T;
    try {
      result = fn();
    } finally {
      this.#joining--;
      this.#commit();
    }
    return result;
  }

  /**
   * Runs `fn`, whose writes join the transaction the store keeps open until the event loop's
   * current turn ends (or, while the log's previous flush runs, until that flush ends), and commit
   * with the writes of every request and controller turn made in it: one flush to disk for all of
   * them (etcd's and SQLite's "group commit"). The flush runs on the thread pool, so the event
   * loop gathers the next group meanwhile. Watchers hear of the
   * writes once they are flushed. Whoever acknowledges such a write waits for `durable()` first. If the
   * commit fails, `lost` is told (the writes are gone: revision, reads and watches are as before
   * them). On a full disk each write commits on its own, so that the reserve the deletions need
   * is given back write by write.
   * @throws the commit's failure, when the disk filled while `fn` wrote (`lost` is told too)
   */
  group<T>(fn: () => T, lost?: (error: unknown) => void): T {
    // Inside another group or a batch, the outermost one decides when the transaction commits.
    const outermost = this.#joining === 0;
    this.#joining++;
    try {
      return fn();
    } finally {
      this.#joining--;
      const open = this.#open;
      if (open && lost) open.lost.push(lost);
      if (open && outermost) {
        // The disk filled while `fn` wrote: what it wrote is committed (or lost) now.
        if (this.#space.alarmed) this.#commit();
        else if (!open.scheduled) {
          open.scheduled = true;
          setImmediate(() => {
            if (this.#open !== open) return;
            // While a flush runs, the transaction stays open and takes the next turns' writes:
            // they could not reach the disk before that flush ends anyway, and committed together
            // each page they change is written to the log once (etcd commits its batch every
            // 100 ms). It is committed when the flush ends, and the next flush covers it.
            if (this.#flushRunning) this.#commitAfterFlush = open;
            else this.#commitQuietly('later');
          });
        }
      }
    }
  }

  /** Whether writes made by `group` wait for their commit or for its flush. */
  get uncommitted(): boolean {
    return this.#open !== undefined || this.#flushing.length > 0;
  }

  /**
   * Whether a write of `key` (its creation, change or deletion) waits for its commit or its flush:
   * what `get` reads of that key then may not be on disk yet, and a reader that answers a client
   * waits for `durable()` first. A key no waiting write touches reads as it is on disk, as etcd
   * answers a read with what is committed, whatever other writes are under way.
   */
  pendingWrite(key: ObjectKey): boolean {
    const touches = (changes: readonly Change[]): boolean =>
      changes.some((c) => c.key.name === key.name && c.key.namespace === key.namespace && c.key.resource === key.resource);
    return (this.#open !== undefined && touches(this.#open.changes)) || this.#flushing.some((f) => touches(f.changes));
  }

  /**
   * Resolves once every write made so far is committed and flushed (at once when none waits);
   * rejects when the commit of one of them failed, which then is not stored.
   */
  durable(): Promise<void> {
    const pending = this.#open ?? this.#flushing[this.#flushing.length - 1];
    if (!pending) return Promise.resolve();
    return new Promise((resolve, reject) => pending.waiters.push({ resolve, reject }));
  }

  /**
   * Commits the open transaction; on failure its writes are forgotten, and the failure is thrown.
   * `now` flushes the log before it returns; `later` flushes it on the thread pool, and the
   * transaction's changes are published, and its waiters resolved, when that flush is done.
   */
  #commit(flush: 'now' | 'later' = 'now'): void {
    const open = this.#open;
    if (!open) return;
    this.#open = undefined;
    try {
      // SQLite rolls a transaction back itself on some failures (a full disk, an I/O error).
      if (!this.#db.inTransaction) throw new BatchRolledBack();
      // Only a transaction of essential writes may take room from the reserve.
      this.#space.run(open.essential, () => this.#db.exec('COMMIT'));
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      this.#forget(open, error);
      throw error;
    }
    this.#flushing.push({ changes: open.changes, waiters: open.waiters });
    if (flush === 'now') this.#flushNow();
    else this.#flushLater();
  }

  /** Flushes the log on this thread, then publishes every committed transaction. */
  #flushNow(): void {
    if (this.#flushing.length === 0) return;
    try {
      fdatasyncSync(this.#wal);
    } catch (error) {
      this.#flushFailed(error);
    }
    this.#publishFlushed(this.#flushing.length);
  }

  /**
   * Flushes the log on the thread pool, one flush at a time: the transactions committed while a
   * flush runs wait for the next one, which covers all of them.
   */
  #flushLater(): void {
    if (this.#flushRunning || this.#flushing.length === 0) return;
    this.#flushRunning = true;
    const through = this.#flushing[this.#flushing.length - 1]!;
    fdatasync(this.#wal, (error) => {
      this.#flushRunning = false;
      // Closed meanwhile: close flushed and published everything; the log's descriptor is closed here.
      if (!this.#db.open) return closeSync(this.#wal);
      if (error) this.#flushFailed(error);
      // A flush on this thread may have published them already.
      this.#publishFlushed(this.#flushing.indexOf(through) + 1);
      const waiting = this.#commitAfterFlush;
      this.#commitAfterFlush = undefined;
      // Committed meanwhile by a write on its own, or by close, if it is not open any more.
      if (waiting !== undefined && this.#open === waiting) this.#commitQuietly('later');
      this.#flushLater();
    });
  }

  /** Publishes the first `count` flushed transactions, in revision order, and tells their waiters. */
  #publishFlushed(count: number): void {
    for (const done of this.#flushing.splice(0, count)) {
      for (const change of done.changes) {
        this.#published = change.revision;
        this.#hub.publish(change);
      }
      for (const waiter of done.waiters) waiter.resolve();
    }
    if (this.#flushWaiters.length > 0) {
      const ready = this.#flushWaiters.filter((w) => w.revision <= this.#published);
      this.#flushWaiters = this.#flushWaiters.filter((w) => w.revision > this.#published);
      for (const waiter of ready) waiter.resolve();
    }
  }

  /**
   * The log could not be flushed (an I/O error): what SQLite holds may not be on disk, and no
   * later flush can tell which writes are. The process stops, as etcd does when its log's fsync
   * fails, rather than answer for writes that a power cut may lose.
   */
  #flushFailed(error: unknown): never {
    const failure = new StoreFlushFailed(error);
    process.nextTick(() => {
      throw failure;
    });
    throw failure;
  }

  /** Resolves once every change up to `revision` is flushed and published. */
  #flushedThrough(revision: number): Promise<void> {
    if (revision <= this.#published) return Promise.resolve();
    return new Promise((resolve) => this.#flushWaiters.push({ revision, resolve }));
  }

  /** `#commit` for a commit nobody waits on synchronously: its failure reaches the writers through `durable` and `lost`. */
  #commitQuietly(flush: 'now' | 'later' = 'now'): void {
    try {
      this.#commit(flush);
    } catch (error) {
      if (error instanceof StoreFlushFailed) throw error;
      // Told to the waiters and to `lost` by #forget.
    }
  }

  /**
   * An open transaction that is gone: the revision is the stored one again (with the committed
   * transactions still being flushed), what was read of it is forgotten, its writers are told.
   */
  #forget(open: OpenTransaction, error: unknown): void {
    if (this.#open === open) this.#open = undefined;
    // First: the revisions of the writes forgotten will be given again, to other texts.
    this.#decoded.clear();
    this.#revision = this.#db.prepare<[], { value: number }>("SELECT value FROM meta WHERE key = 'revision'").get()?.value ?? 1;
    for (const waiter of open.waiters) waiter.reject(error);
    for (const tell of open.lost) {
      try {
        tell(error);
      } catch {
        // A writer's handler must not keep the others from hearing.
      }
    }
  }

  /** Calls `listener` with every change to `resource` from now on, in revision order. */
  subscribe(resource: string, listener: ChangeListener): () => void {
    return this.#hub.subscribe(resource, listener);
  }

  /** Forgets the changes up to `revision`: watches from before it get 410 Gone. */
  compact(revision: number): void {
    const upTo = Math.min(revision, this.#published);
    if (upTo <= this.#compacted) return;
    this.#commitQuietly();
    this.#space.run(true, () => this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM changes WHERE revision <= ?').run(upTo);
      this.#statements.setMeta.run('compacted', upTo);
    })());
    this.#compacted = upTo;
  }

  /** Commits and flushes what is open, and closes the store; safe to call twice. */
  close(): void {
    if (!this.#db.open) return;
    this.#commitQuietly();
    this.#flushNow();
    // A flush still running on the thread pool closes the descriptor when it is done.
    if (!this.#flushRunning) closeSync(this.#wal);
    this.#hub.close();
    for (const snapshot of [...this.#snapshots]) snapshot.close();
    this.#readers.close();
    this.#decoded.clear();
    this.#db.close();
  }

  /** The stored object and its text (which the change log keeps as the previous state as is). */
  #current(key: ObjectKey, expectedRevision: number | undefined): { object: StoredObject; text: string } {
    const row = this.#readShared(key);
    if (!row) throw new ObjectMissing(key);
    const current = row.object as StoredObject;
    if (expectedRevision !== undefined && revisionOf(current) !== expectedRevision) throw new RevisionConflict(key);
    return { object: current, text: row.text };
  }

  #logChange(revision: number, key: ObjectKey, type: string, value: string, previous: string | null): void {
    this.#statements.log.run(revision, key.resource, key.namespace, key.name, type, value, previous);
    this.#statements.setMeta.run('revision', revision);
  }

  /**
   * Runs one write in a transaction; watchers hear of it only once it is committed. `essential`
   * writes are the ones a full disk still takes.
   */
  #write(essential: boolean, body: () => WriteResult): StoredObject {
    // On a full disk each write commits on its own: a commit the disk refuses is tried again from
    // the reserve by running the write again, which a transaction of many writes cannot do.
    const joining = this.#joining > 0 && !this.#space.alarmed;
    // A write on its own: what the open transaction holds is committed first, so revisions reach the disk in order.
    if (!joining) this.#commitQuietly('later');
    let written: WriteResult;
    try {
      written = this.#space.run(essential, () => {
        // An open transaction SQLite rolled back under it (a failed write): a write now would
        // commit on its own, ahead of the lost ones; the transaction fails as a whole instead.
        if (this.#open !== undefined && !this.#db.inTransaction) throw new BatchRolledBack();
        if (joining && this.#open === undefined) {
          this.#db.exec('BEGIN IMMEDIATE');
          this.#open = { changes: [], waiters: [], lost: [], scheduled: false, essential: true };
        }
        if (this.#open) this.#open.essential &&= essential;
        return this.#transaction(body);
      });
    } catch (error) {
      if (this.#open !== undefined && !this.#db.inTransaction) this.#forget(this.#open, error);
      throw error;
    }
    const { stored, change } = written;
    // What a write returns is shared (with the watchers, and the cache's readers): frozen, as the
    // cache's objects are. The cached object of the row's old text can never serve again: the
    // written one takes its place, when it is exactly what its text holds.
    // The cache never keeps the old text's entry of a row written, even if freezing the written
    // object throws: a shared read serves an entry it holds as the row's latest without SQLite.
    let faithful = false;
    try {
      faithful = freezeAsStored(stored);
    } finally {
      if (change.type === 'DELETED' || !faithful) this.#decoded.forget(change.key.resource, change.key.namespace, change.key.name);
      else this.#decoded.rewritten(change.key.resource, change.key.namespace, change.key.name, change.text, stored, change.revision);
    }
    this.#revision = change.revision;
    if (this.#open) {
      this.#open.changes.push(change);
    } else {
      // Committed on its own: flushed before it returns, after the transactions before it.
      this.#flushing.push({ changes: [change], waiters: [] });
      this.#flushNow();
    }
    return stored;
  }
}

/** What one write stored, and the change watchers hear of. */
interface WriteResult {
  stored: StoredObject;
  change: Change;
}

/** The writes waiting in the store's open transaction for its commit, and who waits on them. */
interface OpenTransaction {
  changes: Change[];
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
  lost: ((error: unknown) => void)[];
  /** Whether its commit is set for the end of the event loop's turn. */
  scheduled: boolean;
  /** Whether all its writes are essential ones, which a full disk still takes. */
  essential: boolean;
}

/** A transaction committed and waiting for the log's flush: who waits on it, what watchers hear once it is flushed. */
interface FlushingTransaction {
  changes: Change[];
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

/** The write-ahead log's flush failed: the store cannot tell which committed writes are on disk. */
export class StoreFlushFailed extends Error {
  constructor(cause: unknown) {
    super(`the control plane's store could not flush its write-ahead log to disk (${cause instanceof Error ? cause.message : String(cause)}): stopping, as etcd does; check the disk holding the data directory, then start hostpod again`, { cause });
  }
}

/** A batch's transaction was rolled back under it (by SQLite, on a failed write): none of its writes are stored. */
class BatchRolledBack extends Error {
  constructor() {
    super("the store's batch of writes was rolled back (a write failed): none of them are stored");
  }
}

/** Writes that let work finish: a step of a deletion, or a node's heartbeat. */
function finishesWork(key: ObjectKey, object: StoredObject): boolean {
  const metadata = object['metadata'] as { deletionTimestamp?: unknown } | undefined;
  return metadata?.deletionTimestamp !== undefined || key.resource === 'coordination.k8s.io/leases';
}

/** The revision an object was stored at (its `metadata.resourceVersion`). */
export function revisionOf(object: StoredObject): number {
  const metadata = object['metadata'] as { resourceVersion?: string } | undefined;
  return Number(metadata?.resourceVersion ?? 0);
}

function withRevision(object: StoredObject, revision: number): StoredObject {
  const metadata = { ...(object['metadata'] as Record<string, unknown> | undefined), resourceVersion: String(revision) };
  return { ...object, metadata };
}
