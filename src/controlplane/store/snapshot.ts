/**
 * Consistent reads too long for one synchronous step (large lists, initial watch lists, watch
 * replays). better-sqlite3 is synchronous, so a read of hundreds of megabytes in one step would
 * block every other request; read in pieces instead, each piece between two turns of the event
 * loop. To keep the pieces at one revision while the store goes on writing, a snapshot is a read
 * transaction on a read-only connection of its own: in WAL mode, SQLite keeps showing that
 * transaction the database as it was when it began (the writer appends to the WAL; the reader's
 * end mark stays where it was).
 */
import type Database from 'better-sqlite3';

/**
 * Each connection's prepared statements, kept for the snapshots that read through it after this
 * one: preparing the five a paged list runs (BEGIN, the revision, the page's end, the rows,
 * COMMIT) cost about a tenth of a 110-pod list's time when every snapshot prepared its own. A
 * connection serves one snapshot at a time (`ReaderPool`), and a snapshot ends every statement
 * it left unfinished when it closes, so no statement is ever busy for the next.
 */
const preparedOf = new WeakMap<Database.Database, Map<string, Database.Statement>>();

export interface RowKey {
  namespace: string;
  name: string;
}

export interface StoredRow extends RowKey {
  /** The object's stored JSON text. */
  value: string;
}

/** A row's key and revision, without its text. */
export interface RevisionRow extends RowKey {
  revision: number;
}

export interface ChangeRow extends StoredRow {
  revision: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  previous: string | null;
}

/** Which rows of a resource: all, or one namespace, one name, between two keys. */
export interface RowRange {
  /** Only this namespace ('' or undefined: all). */
  namespace?: string;
  /** Only this name. */
  name?: string;
  /** After this key (exclusive). */
  after?: RowKey;
  /** Up to this key (inclusive). */
  through?: RowKey;
}

/** The store at one revision, read in pieces. Close it when done: it holds a connection. */
export class Snapshot {
  readonly #db: Database.Database;
  readonly #release: (db: Database.Database) => void;
  readonly #statements: Map<string, Database.Statement>;
  readonly #open = new Set<Generator>();
  #closed = false;
  /** The revision of the latest change this snapshot sees. */
  readonly revision: number;
  /** The oldest revision the change log still holds changes after. */
  readonly compacted: number;

  constructor(db: Database.Database, release: (db: Database.Database) => void) {
    this.#db = db;
    this.#release = release;
    let prepared = preparedOf.get(db);
    if (!prepared) preparedOf.set(db, (prepared = new Map<string, Database.Statement>()));
    this.#statements = prepared;
    this.#statement('BEGIN').run();
    // The first read starts the read transaction: from here on, this connection sees one revision.
    const meta = new Map((this.#statement('SELECT key, value FROM meta').all() as { key: string; value: number }[]).map((r) => [r.key, r.value]));
    this.revision = meta.get('revision') ?? 1;
    this.compacted = meta.get('compacted') ?? 0;
  }

  /** The rows of `resource` in `range`, in (namespace, name) order, read as the caller pulls them. */
  rows(resource: string, range: RowRange = {}): Generator<StoredRow> {
    const [where, params] = whereOf(resource, range);
    return this.#iterate<StoredRow>(`SELECT namespace, name, value FROM objects WHERE ${where} ORDER BY namespace, name`, params);
  }

  /**
   * The keys and revisions of the rows of `resource` in `range`, in (namespace, name) order, read
   * as the caller pulls them: for a reader that takes the objects from the store's cache when it
   * holds them at their row's revision, and reads the text (`text`) of the others alone.
   */
  revisions(resource: string, range: RowRange = {}): Generator<RevisionRow> {
    const [where, params] = whereOf(resource, range);
    return this.#iterate<RevisionRow>(`SELECT namespace, name, revision FROM objects WHERE ${where} ORDER BY namespace, name`, params);
  }

  /** The text of the row `resource`/`namespace`/`name` as this snapshot sees it, if there is one. */
  text(resource: string, namespace: string, name: string): string | undefined {
    return this.#statement('SELECT value FROM objects WHERE resource = ? AND namespace = ? AND name = ?').pluck().get(resource, namespace, name) as string | undefined;
  }

  /** The key of the row `offset` rows into `range` (0: the first), if there is one. */
  keyAt(resource: string, range: RowRange, offset: number): RowKey | undefined {
    const [where, params] = whereOf(resource, range);
    return this.#statement(`SELECT namespace, name FROM objects WHERE ${where} ORDER BY namespace, name LIMIT 1 OFFSET ?`).get(...params, offset) as RowKey | undefined;
  }

  /** The changes to `resource` after `revision` that this snapshot sees, oldest first. */
  changes(resource: string, revision: number): Generator<ChangeRow> {
    return this.#iterate<ChangeRow>('SELECT revision, namespace, name, type, value, previous FROM changes WHERE resource = ? AND revision > ? ORDER BY revision', [resource, revision]);
  }

  /** Ends the read transaction and gives the connection back. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const rows of this.#open) {
      try {
        rows.return(undefined);
      } catch {
        // Its statement could not end (the connection failed): the COMMIT below ends the read anyway.
      }
    }
    this.#open.clear();
    try {
      this.#prepared('COMMIT').run();
    } catch {
      // The store was closed under the snapshot: nothing to end.
    }
    this.#release(this.#db);
  }

  #statement(sql: string): Database.Statement {
    if (this.#closed) throw new Error('the store snapshot is closed');
    return this.#prepared(sql);
  }

  /** `sql` prepared on this snapshot's connection, once for the connection's life. */
  #prepared(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) this.#statements.set(sql, (statement = this.#db.prepare(sql)));
    return statement;
  }

  #iterate<T>(sql: string, params: unknown[]): Generator<T> {
    const statement = this.#statement(sql);
    // Kept until close, which ends any the caller left unfinished (ending a finished one is a no-op).
    const rows = (function* () {
      yield* statement.iterate(...params) as IterableIterator<T>;
    })();
    this.#open.add(rows);
    return rows;
  }
}

function whereOf(resource: string, range: RowRange): [string, unknown[]] {
  const where = ['resource = ?'];
  const params: unknown[] = [resource];
  if (range.namespace) {
    where.push('namespace = ?');
    params.push(range.namespace);
  }
  if (range.name !== undefined) {
    where.push('name = ?');
    params.push(range.name);
  }
  if (range.after) {
    where.push('(namespace, name) > (?, ?)');
    params.push(range.after.namespace, range.after.name);
  }
  if (range.through) {
    where.push('(namespace, name) <= (?, ?)');
    params.push(range.through.namespace, range.through.name);
  }
  return [where.join(' AND '), params];
}
