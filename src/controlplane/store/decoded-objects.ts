/**
 * The objects of stored rows, kept decoded for the lists that read the same rows again:
 * kube-apiserver answers a list from its watch cache of decoded objects, and without this hostpod
 * would parse every stored object on every list (the most of a large list's time, with the
 * garbage collection of the parsed copies).
 *
 * An entry holds the text it was parsed from and serves only a row of that exact text (string
 * equality), so a row that changed is parsed anew and a stale object can never be handed out: no
 * write has to invalidate anything. Entries are shared by every request that reads them, so they
 * are deep-frozen: changing one throws a TypeError (ES modules are strict code), and a reader that
 * needs to change an object copies it first.
 *
 * One per store, never shared between stores (two `hostpod up` in one process keep theirs apart).
 */
import { decodeStored } from './encoding.js';

/**
 * The most stored text, summed over the entries (in UTF-16 code units, about bytes for JSON), the
 * cache keeps: 32 Mi. Decoded, an object takes a few times its text on the heap, so the cache
 * holds at most about 100-150 MiB; 5,000 typical pods (about 3 KiB each) fit several times over.
 * The least recently used entries go first.
 */
export const DECODED_OBJECTS_MAX_TEXT = 32 * 1024 * 1024;

/** A text made from an object alone: the same object always gives the same text. */
export type Derivation = (object: Readonly<Record<string, unknown>>) => string;

interface Entry {
  readonly key: string;
  readonly text: string;
  readonly object: Readonly<Record<string, unknown>>;
  /** Texts derived from the object (an encoding of part of it), made once each; counted in the bound with `text`. */
  derived?: Map<Derivation, string>;
  /** The length of `text` and of the derived texts. */
  size: number;
}

export class DecodedObjects {
  readonly #entries = new Map<string, Entry>();
  readonly #byObject = new WeakMap<object, Entry>();
  readonly #maxText: number;
  #text = 0;

  constructor(maxText = DECODED_OBJECTS_MAX_TEXT) {
    this.#maxText = maxText;
  }

  /** How many objects, and how much of their text, the cache holds. */
  get size(): { objects: number; text: number } {
    return { objects: this.#entries.size, text: this.#text };
  }

  /**
   * The object `text` (the stored row of `resource`/`namespace`/`name`) holds, deep-frozen: the
   * cached one when the row's text is the one it was parsed from, otherwise parsed and kept.
   */
  decode<T extends object = Record<string, unknown>>(resource: string, namespace: string, name: string, text: string): Readonly<T> {
    const key = keyOf(resource, namespace, name);
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      this.#entries.delete(key);
      if (entry.text === text) {
        // Re-inserted: Map keeps insertion order, so the first key is the least recently used.
        this.#entries.set(key, entry);
        return entry.object as Readonly<T>;
      }
      this.#text -= entry.size;
    }
    const object = deepFreeze(decodeStored<Record<string, unknown>>(text));
    // A single object larger than the whole bound is parsed for each read, never kept.
    if (text.length > this.#maxText) return object as Readonly<T>;
    const added: Entry = { key, text, object, size: 0 };
    this.#entries.set(key, added);
    this.#byObject.set(object, added);
    this.#grow(added, text.length);
    return object as Readonly<T>;
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
      entry.derived.set(derive, text);
      this.#grow(entry, text.length);
    }
    return text;
  }

  /** Drops the entry of a row that changed or went (an entry of another text can never serve again). */
  forget(resource: string, namespace: string, name: string): void {
    const key = keyOf(resource, namespace, name);
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#text -= entry.size;
  }

  /** Counts `more` text into `entry` and the total, then evicts from the least recently used until within the bound. */
  #grow(entry: Entry, more: number): void {
    entry.size += more;
    this.#text += more;
    for (const [oldest, evicted] of this.#entries) {
      if (this.#text <= this.#maxText) break;
      this.#entries.delete(oldest);
      this.#text -= evicted.size;
    }
  }

  /** Forgets every entry (the store is closing). */
  clear(): void {
    this.#entries.clear();
    this.#text = 0;
  }
}

/** One string per row: no resource, namespace or name holds a NUL. */
function keyOf(resource: string, namespace: string, name: string): string {
  return `${resource}\u0000${namespace}\u0000${name}`;
}

/** Freezes `root` and every object and array under it, without recursion (any depth the parser took). */
function deepFreeze<T>(root: T): T {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null || Object.isFrozen(value)) continue;
    Object.freeze(value);
    if (Array.isArray(value)) {
      for (const member of value) if (typeof member === 'object' && member !== null) stack.push(member);
    } else {
      for (const key in value) {
        const member = (value as Record<string, unknown>)[key];
        if (typeof member === 'object' && member !== null) stack.push(member);
      }
    }
  }
  return root;
}
