/** Fans committed changes out to the watches of each resource. */
import type { ObjectKey, StoredObject } from './store.js';

export interface Change {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  revision: number;
  key: ObjectKey;
  object: StoredObject;
  /** `object` as stored: its JSON text, which a watch sends as it is rather than encode it again. */
  text: string;
  /** The object before a MODIFIED or DELETED change. */
  previous?: StoredObject;
}

export type ChangeListener = (change: Change) => void;

export class WatchHub {
  readonly #listeners = new Map<string, Set<ChangeListener>>();

  subscribe(resource: string, listener: ChangeListener): () => void {
    let set = this.#listeners.get(resource);
    if (!set) this.#listeners.set(resource, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  readonly #pending: Change[] = [];
  #delivering = false;

  /**
   * Delivers a change to its resource's listeners. A listener that writes in turn publishes from
   * inside this loop: its change is queued behind this one, so every listener sees revisions in order.
   */
  publish(change: Change): void {
    this.#pending.push(change);
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      for (let next = this.#pending.shift(); next; next = this.#pending.shift()) {
        const set = this.#listeners.get(next.key.resource);
        if (!set) continue;
        for (const listener of [...set]) {
          // A listener that throws must not keep the change from the others, nor fail the write.
          try {
            listener(next);
          } catch {
            set.delete(listener);
          }
        }
      }
    } finally {
      this.#delivering = false;
    }
  }

  close(): void {
    this.#listeners.clear();
  }
}
