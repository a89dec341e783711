/**
 * A controller's work queue: keys to reconcile, each at most once in the queue, processed after
 * the current write has finished (never inside a store listener), with retries after a delay
 * when a sync fails or asks to look again.
 */

import type { ControllerLog } from './context.js';

export type SyncResult = void | { requeueAfterMs: number };

export class WorkQueue {
  readonly #pending = new Set<string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #scheduled = false;
  #stopped = false;

  constructor(
    private readonly name: string,
    private readonly sync: (key: string) => SyncResult,
    private readonly log: ControllerLog,
  ) {}

  add(key: string): void {
    if (this.#stopped) return;
    this.#pending.add(key);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
  }

  addAfter(key: string, ms: number): void {
    if (this.#stopped || this.#timers.has(key)) return;
    this.#timers.set(key, setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms));
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#pending.clear();
  }

  #drain(): void {
    this.#scheduled = false;
    const keys = [...this.#pending];
    this.#pending.clear();
    for (const key of keys) {
      if (this.#stopped) return;
      try {
        const result = this.sync(key);
        if (result) this.addAfter(key, result.requeueAfterMs);
      } catch (error) {
        this.log('error', 'sync failed; retrying in 1 s', { controller: this.name, key, error: String(error) });
        this.addAfter(key, 1000);
      }
    }
  }
}
