/**
 * The read-only connections that snapshots read through: reused, and bounded in number (each
 * holds file descriptors and a page cache), so a burst of long reads waits for a connection
 * rather than opening hundreds.
 */
import Database from 'better-sqlite3';

/** Most connections open at once; further snapshots wait for one to come back. */
const MAX_OPEN = 48;
/** Most idle connections kept for reuse. */
const MAX_IDLE = 4;

export class ReaderPool {
  readonly #file: string;
  readonly #idle: Database.Database[] = [];
  readonly #waiting: { resolve: (db: Database.Database) => void; reject: (error: Error) => void }[] = [];
  readonly #all = new Set<Database.Database>();
  #closed = false;

  constructor(file: string) {
    this.#file = file;
  }

  /** A connection, when one is free. */
  acquire(): Promise<Database.Database> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    const idle = this.#idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.#all.size < MAX_OPEN) return Promise.resolve(this.#open());
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  release(db: Database.Database): void {
    if (this.#closed || !db.open) return;
    const next = this.#waiting.shift();
    if (next) return next.resolve(db);
    if (this.#idle.length < MAX_IDLE) {
      this.#idle.push(db);
      return;
    }
    this.#all.delete(db);
    db.close();
  }

  /** Closes every connection, including those of snapshots still open (their next read fails). */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(new Error('the store is closed'));
    for (const db of this.#all) {
      try {
        db.close();
      } catch {
        // A connection mid-iteration cannot close until its statement ends; the process is stopping.
      }
    }
    this.#all.clear();
    this.#idle.length = 0;
  }

  #open(): Database.Database {
    const db = new Database(this.#file, { readonly: true, fileMustExist: true });
    // A small page cache: snapshots stream rows once, they do not revisit them.
    db.pragma('cache_size = -512');
    db.pragma('busy_timeout = 5000');
    this.#all.add(db);
    return db;
  }
}
