/**
 * A list read in pieces from one store snapshot, so that a list of any size is neither held in
 * memory whole nor read in one blocking step, and still shows one revision. Objects are handed
 * out as their stored JSON text, decoded only when a selector or a representation needs them, and
 * then through the store's cache of decoded objects: deep-frozen objects shared with every other
 * read of the same text, which no reader may change.
 */
import type { Derivation, RevisionRow, RowKey, RowRange, Snapshot, Store, StoredRow } from '../store/index.js';
import { encodeContinue } from './continue-token.js';
import type { Obj } from './object-meta.js';
import { fairTurn } from '../fair-turns.js';

export interface ListedItem {
  /** The object's JSON text, as stored. */
  readonly text: string;
  /** The object, decoded on first use: frozen, and shared with other reads (copy it to change it). */
  object(): Obj;
  /** What `derive` makes of the object, made once for every read of the same stored object where the store can; `derive` must depend on the object alone. */
  derived(derive: Derivation): string;
}

export interface ListPiece {
  items: ListedItem[];
  /** Whether the list has ended. */
  done: boolean;
}

export interface ListStreamOptions {
  range: RowRange;
  /** Whether an object belongs in the list; undefined: every row of the range does. */
  match?: (object: Obj) => boolean;
  /** At most this many objects (0: all), with a `continue` token when more remain. */
  limit: number;
  /**
   * Whether the reader uses every item's object (a Table, a selector): the rows are then read by
   * revision, and an object the store's cache holds at its row's revision is taken from it with its
   * text, which is not read (see `Store.sharedRow`). Otherwise the texts are read, and decoded only
   * when asked.
   */
  objects?: boolean;
}

/** How much stored text one synchronous step reads at most, before the event loop gets a turn. */
export const PIECE_BYTES = 256 * 1024;

export class ListStream {
  readonly #snapshot: Snapshot;
  readonly #rows: Generator<ReadRow>;
  readonly #match: ((object: Obj) => boolean) | undefined;
  #ahead: IteratorResult<ReadRow> | undefined;
  #done = false;

  private constructor(snapshot: Snapshot, rows: Generator<ReadRow>, match: ((object: Obj) => boolean) | undefined, readonly continueToken: string | undefined) {
    this.#snapshot = snapshot;
    this.#rows = rows;
    this.#match = match;
  }

  /** The revision the list shows. */
  get revision(): number {
    return this.#snapshot.revision;
  }

  /**
   * Opens a list of `resource` at the store's current revision. With a limit, the page's last key
   * is found first (in pieces too), so the `continue` token is known before the first item is sent.
   */
  static async open(store: Store, resource: string, options: ListStreamOptions): Promise<ListStream> {
    const snapshot = await store.snapshot();
    const read = rowReader(store, snapshot, resource, options.objects === true || options.match !== undefined);
    try {
      let range = options.range;
      let continueToken: string | undefined;
      if (options.limit > 0) {
        const last = options.match
          ? await lastMatch(read(range), options.match, options.limit)
          : snapshot.keyAt(resource, range, options.limit - 1);
        if (last) {
          range = { ...range, through: last };
          // As before streaming: a page that ends before the last row has a continue token, even
          // when none of the rows after it would match.
          const more = snapshot.keyAt(resource, { ...options.range, after: last }, 0) !== undefined;
          if (more) continueToken = encodeContinue(last, snapshot.revision);
        }
      }
      return new ListStream(snapshot, read(range), options.match, continueToken);
    } catch (error) {
      snapshot.close();
      throw error;
    }
  }

  /**
   * Reads on until about `budget` bytes of stored text have been read (or taken from the cache),
   * or the list ends. The row after the piece is read ahead, so the piece that ends the list says
   * so, and the snapshot is given back before that piece is written to a client that may be slow
   * to take it.
   */
  take(budget = PIECE_BYTES): ListPiece {
    const items: ListedItem[] = [];
    let read = 0;
    this.#ahead ??= this.#rows.next();
    while (!this.#done && read < budget) {
      const next = this.#ahead;
      if (next.done) break;
      this.#ahead = this.#rows.next();
      const { item } = next.value;
      read += item.text.length;
      if (!this.#match || this.#match(item.object())) items.push(item);
    }
    if (this.#ahead.done) this.close();
    return { items, done: this.#done };
  }

  /** Ends the read; safe to call twice. */
  close(): void {
    this.#done = true;
    this.#snapshot.close();
  }
}

/** A row read, as the item it is listed as. */
interface ReadRow {
  key: RowKey;
  item: ListedItem;
}

/**
 * How a list reads its rows: by revision when every object is used (each taken from the store's
 * cache with its text, or read and decoded: `Store.sharedRow`), otherwise by text, each decoded
 * only when asked (through the cache too: `Store.decodeRow`). Either way the objects are frozen and
 * shared: every consumer only reads them (changing one throws).
 */
function rowReader(store: Store, snapshot: Snapshot, resource: string, objects: boolean): (range: RowRange) => Generator<ReadRow> {
  const derived = (object: Obj, derive: Derivation): string => store.derivedText(object, derive);
  // Each read starts its query at once (in `open`, before any answer is written), then maps its rows as they are pulled.
  if (objects) {
    return (range) => mapRows(snapshot.revisions(resource, range), (row) => ({ key: row, item: sharedItem(store, snapshot, resource, row, derived) }));
  }
  return (range) => mapRows(snapshot.rows(resource, range), (row) => ({ key: row, item: lazyItem(store, resource, row, derived) }));
}

function* mapRows<T>(rows: Generator<T>, read: (row: T) => ReadRow): Generator<ReadRow> {
  for (const row of rows) yield read(row);
}

function sharedItem(store: Store, snapshot: Snapshot, resource: string, row: RevisionRow, derived: (object: Obj, derive: Derivation) => string): ListedItem {
  const { object, text } = store.sharedRow(snapshot, resource, row);
  return { text, object: () => object, derived: (derive) => derived(object, derive) };
}

function lazyItem(store: Store, resource: string, row: StoredRow, derived: (object: Obj, derive: Derivation) => string): ListedItem {
  let object: Obj | undefined;
  const item: ListedItem = {
    text: row.value,
    object: () => (object ??= store.decodeRow(resource, row)),
    derived: (derive) => derived(item.object(), derive),
  };
  return item;
}

/** The key of the `limit`-th matching row, reading in pieces. */
async function lastMatch(rows: Generator<ReadRow>, match: (object: Obj) => boolean, limit: number): Promise<RowKey | undefined> {
  let found = 0;
  let read = 0;
  for (const { key, item } of rows) {
    read += item.text.length;
    if (match(item.object()) && ++found === limit) return { namespace: key.namespace, name: key.name };
    if (read >= PIECE_BYTES) {
      read = 0;
      await fairTurn();
    }
  }
  return undefined;
}
