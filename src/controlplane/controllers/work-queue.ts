/**
 * A controller's work queue: keys to reconcile, each at most once in the queue, processed after
 * the current write has finished (never inside a store listener), with retries after a delay
 * when a sync fails or asks to look again.
 *
 * A failed sync is retried as client-go's default controller rate limiter retries it: after 5 ms,
 * doubling with each failure in a row up to 1000 s, and back to 5 ms once the key syncs. So a
 * DaemonSet whose pods are refused until its ServiceAccount exists gets them moments after the
 * account comes, as on a real cluster, instead of at the next unrelated change. (client-go adds an
 * overall bucket of 10 retries a second, 100 at once, which only matters with hundreds of failing
 * keys; it is left out.)
 */

import type { ControllerLog } from './context.js';

/** Nothing: done. `requeueAfterMs`: look again then. `failed`: retry with back-off, saying why. */
export type SyncResult = void | { requeueAfterMs: number } | { failed: string };

/** client-go's ItemExponentialFailureRateLimiter in DefaultControllerRateLimiter: 5 ms doubling, at most 1000 s. */
export const RETRY_BASE_MS = 5;
export const RETRY_MAX_MS = 1_000_000;

/** The delay before the retry that follows `failures` failures in a row (1 for the first). */
export function retryDelayMs(failures: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(failures - 1, 30));
}

/**
 * How long one turn of a queue's syncs may hold the event loop, which the API server, the other
 * controllers and (in `hostpod up`) the node agent share: 110 DaemonSets synced in one turn held
 * it for most of a second while kubectl waited.
 */
export const DRAIN_SLICE_MS = 10;

/** Where a turn's writes go, to be committed with the others of the event loop's turn (the store's `group`). */
export interface WriteBatches {
  group<T>(fn: () => T, lost?: (error: unknown) => void): T;
}

export class WorkQueue {
  readonly #pending = new Set<string>();
  readonly #timers = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  /** Failures in a row, per key. */
  readonly #failures = new Map<string, number>();
  #scheduled = false;
  #stopped = false;

  constructor(
    private readonly name: string,
    private readonly sync: (key: string) => SyncResult,
    private readonly log: ControllerLog,
    /** With a store, each turn's writes are committed together, and with the other writes of the event loop's turn (see Store.group). */
    private readonly writes?: WriteBatches,
  ) {}

  add(key: string): void {
    if (this.#stopped) return;
    this.#pending.add(key);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
  }

  /**
   * Adds the key after `ms` unless it is queued already: the changes of one burst (a pod created,
   * bound, then reported by its node; the controller's own status write coming back) make one
   * sync rather than one each. A key already waiting keeps the sooner of the two times.
   */
  addSoon(key: string, ms: number): void {
    if (this.#stopped || this.#pending.has(key)) return;
    this.addAfter(key, ms);
  }

  /** Adds the key after `ms`; a key already waiting keeps the sooner of the two times. */
  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    const due = Date.now() + ms;
    const waiting = this.#timers.get(key);
    if (waiting) {
      if (waiting.due <= due) return;
      clearTimeout(waiting.timer);
    }
    this.#timers.set(key, {
      due,
      timer: setTimeout(() => {
        this.#timers.delete(key);
        this.add(key);
      }, ms),
    });
  }

  stop(): void {
    this.#stopped = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#pending.clear();
    this.#failures.clear();
  }

  /** How many times in a row the key's sync has failed (0 once it succeeds). */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  #retry(key: string, reason: string): void {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    const delay = retryDelayMs(failures);
    // Logged from the sixth failure in a row (160 ms), so a brief wait for another object stays quiet.
    if (failures > 5) this.log('error', `sync failed; retrying in ${delay} ms`, { controller: this.name, key, failures, error: reason });
    this.addAfter(key, delay);
  }

  #drain(): void {
    this.#scheduled = false;
    const keys = [...this.#pending];
    this.#pending.clear();
    const synced: string[] = [];
    // If the turn's writes are not committed, its keys sync again.
    let told = false;
    const lost = (error: unknown): void => {
      if (told) return;
      told = true;
      for (const key of synced) this.#retry(key, `the store did not commit this turn's writes: ${String(error)}`);
    };
    try {
      if (this.writes) this.writes.group(() => this.#turn(keys, synced), lost);
      else this.#turn(keys, synced);
    } catch (error) {
      lost(error);
    }
  }

  /** Syncs `keys` for at most DRAIN_SLICE_MS, recording in `synced` each key it synced. */
  #turn(keys: readonly string[], synced: string[]): void {
    const started = performance.now();
    for (const [i, key] of keys.entries()) {
      if (this.#stopped) return;
      // A turn of at most DRAIN_SLICE_MS: the keys left wait for the next one, ahead of those
      // added meanwhile, so requests (and other controllers) are served in between.
      if (i > 0 && performance.now() - started >= DRAIN_SLICE_MS) {
        const added = [...this.#pending];
        this.#pending.clear();
        for (const k of [...keys.slice(i), ...added]) this.#pending.add(k);
        this.#scheduled = true;
        setImmediate(() => this.#drain());
        return;
      }
      synced.push(key);
      // A sync now serves whatever waited for a later one; what it returns sets the next wait.
      const waiting = this.#timers.get(key);
      if (waiting) {
        clearTimeout(waiting.timer);
        this.#timers.delete(key);
      }
      try {
        const result = this.sync(key);
        if (result && 'failed' in result) {
          this.#retry(key, result.failed);
          continue;
        }
        this.#failures.delete(key);
        if (result) this.addAfter(key, result.requeueAfterMs);
      } catch (error) {
        this.#retry(key, String(error));
      }
    }
  }
}
