/**
 * The objects of stored rows, kept decoded for the lists that read the same rows again:
 * kube-apiserver answers a list from its watch cache of decoded objects, and without this hostpod
 * would parse every stored object on every list (the most of a large list's time, with the
 * garbage collection of the parsed copies). The controllers' reads, the objects updates start
 * from and the requests' GETs read through it too (`Store.getShared`), and a write of a row it
 * holds leaves the written object in its place, so an object written and then read is not parsed.
 *
 * An entry holds the text it was parsed (or written) from and serves only a row of that exact
 * text (string equality), so a row that changed is parsed anew and a stale object is never handed
 * out for a text. An entry read or written with the row's revision also serves a read that finds
 * the row at that revision, without the row's text. That rests on the store: every write of a row
 * goes through it and gives the row a new revision, telling this cache (`rewritten`, `forget`), and
 * the store forgets every entry when a transaction is rolled back (its revisions are given again),
 * so the row of an entry's revision holds the entry's text. Reading the revision alone spares
 * SQLite reading and copying the text (and, for an object over about 4 KiB, its overflow pages,
 * which it reads straight from the file, past its page cache). Entries are shared by every
 * request that reads them, so they are deep-frozen: changing one throws a TypeError (ES modules
 * are strict code), and a reader that needs to change an object copies it first.
 *
 * One per store, never shared between stores (two `hostpod up` in one process keep theirs apart).
 */
import { decodeStored } from './encoding.js';
import { deepFreeze } from '../../api/json/index.js';

/**
 * The most stored text, summed over the entries (in UTF-16 code units, about bytes for JSON), the
 * cache keeps: 32 Mi. Decoded, an object takes a few times its text on the heap, so the cache
 * holds at most about 100-150 MiB; 5,000 typical pods (about 3 KiB each) fit several times over.
 * The least recently used entries go first, but only those unused for `DECODED_OBJECTS_KEEP_MS`:
 * lists read their rows in the same order each time, so evicting the oldest to admit a list's next
 * row would evict exactly the rows the next list reads first, and a list larger than the bound
 * would never hit. Refusing the newcomer instead keeps the part that fits.
 */
export const DECODED_OBJECTS_MAX_TEXT = 32 * 1024 * 1024;

/** How long an entry read is kept over newcomers when the cache is full. */
export const DECODED_OBJECTS_KEEP_MS = 10_000;

/** A text made from an object alone: the same object always gives the same text. */
export type Derivation = (object: Readonly<Record<string, unknown>>) => string;

interface Entry {
  readonly key: string;
  readonly text: string;
  readonly object: Readonly<Record<string, unknown>>;
  /** The row's revision for `text`, when it was read or written with it (a snapshot's rows come without). */
  revision: number | undefined;
  /**
   * Whether `text` is the row's latest, as the store's own connection last wrote or read it: the
   * store then serves the row from here without asking SQLite (see `current`).
   */
  current: boolean;
  /** Texts derived from the object (an encoding of part of it), made once each; counted in the bound with `text`. */
  derived?: Map<Derivation, string>;
  /** The length of `text` and of the derived texts. */
  size: number;
  /** When it was last read (performance.now()). */
  used: number;
}

export class DecodedObjects {
  readonly #entries = new Map<string, Entry>();
  readonly #byObject = new WeakMap<object, Entry>();
  readonly #maxText: number;
  readonly #keepMs: number;
  #text = 0;

  constructor(maxText = DECODED_OBJECTS_MAX_TEXT, keepMs = DECODED_OBJECTS_KEEP_MS) {
    this.#maxText = maxText;
    this.#keepMs = keepMs;
  }

  /** How many objects, and how much of their text, the cache holds. */
  get size(): { objects: number; text: number } {
    return { objects: this.#entries.size, text: this.#text };
  }

  /**
   * The object `text` (the stored row of `resource`/`namespace`/`name`, at `revision` when the
   * reader knows it) holds: the cached one when the row's text is the one it was parsed from,
   * otherwise parsed and kept, deep-frozen. When the cache has no room for it, or holds the row at
   * a later revision than `revision` (a snapshot from before a write reads the text it had then),
   * the object is parsed for this read alone (and, shared with no one, not frozen). `current`: the
   * store read `text` as the row's latest, through its own connection (a snapshot's is not).
   */
  decode<T extends object = Record<string, unknown>>(resource: string, namespace: string, name: string, text: string, revision?: number, current = false): Readonly<T> {
    const key = keyOf(resource, namespace, name);
    const entry = this.#entries.get(key);
    const now = performance.now();
    if (entry?.revision !== undefined && revision !== undefined && entry.revision > revision) return decodeStored<T>(text);
    if (entry !== undefined) {
      this.#entries.delete(key);
      if (entry.text === text) {
        // Re-inserted: Map keeps insertion order, so the first key is the least recently used.
        this.#entries.set(key, entry);
        entry.used = now;
        if (revision !== undefined) entry.revision = revision;
        if (current) entry.current = true;
        return entry.object as Readonly<T>;
      }
      this.#text -= entry.size;
    }
    const object = decodeStored<Record<string, unknown>>(text);
    if (!this.#makeRoom(text.length, now)) return object as Readonly<T>;
    this.#keep(key, text, deepFreeze(object), now, revision, current);
    return object as Readonly<T>;
  }

  /** The revision of the row `resource`/`namespace`/`name` whose object the cache holds, when it knows it. */
  revisionOf(resource: string, namespace: string, name: string): number | undefined {
    return this.#entries.get(keyOf(resource, namespace, name))?.revision;
  }

  /**
   * The cached object of the row `resource`/`namespace`/`name` and its text, when the entry is of
   * `revision`, the row's (a read of it: it counts as used); otherwise undefined. `current` as
   * `decode`'s.
   */
  atRevision(resource: string, namespace: string, name: string, revision: number, current = false): { object: Readonly<Record<string, unknown>>; text: string } | undefined {
    const key = keyOf(resource, namespace, name);
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.revision !== revision) return undefined;
    if (current) entry.current = true;
    return this.#used(key, entry);
  }

  /**
   * The cached object of the row `resource`/`namespace`/`name` and its text, when the entry holds
   * the row's latest text: the store's own connection wrote it or read it as the latest, and no
   * write has happened since (every write of the row replaces or drops its entry, and a rolled
   * back transaction clears them all). Otherwise undefined: the row must be read.
   */
  current(resource: string, namespace: string, name: string): { object: Readonly<Record<string, unknown>>; text: string } | undefined {
    const key = keyOf(resource, namespace, name);
    const entry = this.#entries.get(key);
    return entry?.current === true ? this.#used(key, entry) : undefined;
  }

  /** An entry read: it moves to the end of the least recently used order. */
  #used(key: string, entry: Entry): { object: Readonly<Record<string, unknown>>; text: string } {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    entry.used = performance.now();
    return { object: entry.object, text: entry.text };
  }

  /**
   * What `derive` makes of `object`, made once while the object is cached (and every time for an
   * object this cache did not hand out, or no longer holds). `derive` must depend on the object
   * only (never on the time, the request or the client), as its text is shared like the object.
   */
  derived(object: Readonly<Record<string, unknown>>, derive: Derivation): string {
    const entry = this.#byObject.get(object);
    // Not an object this cache holds now (another's, or evicted): made for this read only.
    if (entry === undefined || this.#entries.get(entry.key) !== entry) return derive(object);
    entry.derived ??= new Map();
    let text = entry.derived.get(derive);
    if (text === undefined) {
      text = derive(object);
      // Kept only with room for it, and while its entry is still there (making room may evict it).
      if (!this.#makeRoom(text.length, performance.now()) || this.#entries.get(entry.key) !== entry) return text;
      entry.derived.set(derive, text);
      entry.size += text.length;
      this.#text += text.length;
    }
    return text;
  }

  /**
   * A row this cache holds an object of was written: the entry now holds `object`, the one just
   * written as `text` (frozen by the store as exactly what its text holds, see `freezeAsStored`),
   * so the readers that read the row before need not parse it again. A row nobody read through
   * the cache (an event, say) is not kept: the cache holds what its readers use, whatever the writes.
   */
  rewritten(resource: string, namespace: string, name: string, text: string, object: Record<string, unknown>, revision: number): void {
    const key = keyOf(resource, namespace, name);
    if (!this.#entries.has(key)) return;
    this.forget(resource, namespace, name);
    const now = performance.now();
    if (this.#makeRoom(text.length, now)) this.#keep(key, text, object, now, revision, true);
  }

  /** Adds the entry of a frozen object, for which `#makeRoom` made room. */
  #keep(key: string, text: string, object: Readonly<Record<string, unknown>>, now: number, revision: number | undefined, current: boolean): void {
    const entry: Entry = { key, text, object, revision, current, size: text.length, used: now };
    this.#entries.set(key, entry);
    this.#byObject.set(object, entry);
    this.#text += text.length;
  }

  /** Drops the entry of a row that changed or went (an entry of another text can never serve again). */
  forget(resource: string, namespace: string, name: string): void {
    const key = keyOf(resource, namespace, name);
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#text -= entry.size;
  }

  /**
   * Whether `more` text fits in the bound, evicting the least recently used entries that were not
   * read for the keep time as needed; false when it cannot fit (having evicted only such entries).
   */
  #makeRoom(more: number, now: number): boolean {
    if (more > this.#maxText) return false;
    for (const [oldest, evicted] of this.#entries) {
      if (this.#text + more <= this.#maxText) return true;
      if (now - evicted.used < this.#keepMs) return false;
      this.#entries.delete(oldest);
      this.#text -= evicted.size;
    }
    return this.#text + more <= this.#maxText;
  }

  /** Forgets every entry (the store is closing, or rolled a transaction back). */
  clear(): void {
    this.#entries.clear();
    this.#text = 0;
  }
}

/** One string per row: no resource, namespace or name holds a NUL. */
function keyOf(resource: string, namespace: string, name: string): string {
  return `${resource}\u0000${namespace}\u0000${name}`;
}
