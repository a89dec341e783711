/**
 * CrashLoopBackOff as the kubelet times it: the first restart of a container is immediate, the
 * next ones wait 10 s, 20 s, 40 s, ... up to 5 minutes after it ended; a container that ran for
 * 10 minutes starts over.
 */

export const INITIAL_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 300_000;
/** A container that ran this long without ending has its backoff reset. */
export const BACKOFF_RESET_MS = 600_000;

export class RestartBackoff {
  /** Per container: the delay its next restart waits. */
  readonly #entries = new Map<string, { delayMs: number }>();

  /**
   * How long after `finishedAt` to restart a container that ran from `startedAt`; each call
   * doubles the next delay.
   */
  next(key: string, startedAt: Date, finishedAt: Date): number {
    const ran = finishedAt.getTime() - startedAt.getTime();
    const entry = this.#entries.get(key);
    if (!entry || ran >= BACKOFF_RESET_MS) {
      this.#entries.set(key, { delayMs: INITIAL_BACKOFF_MS });
      return 0;
    }
    const delay = entry.delayMs;
    entry.delayMs = Math.min(delay * 2, MAX_BACKOFF_MS);
    return delay;
  }

  /** Forgets a container (its pod is gone). */
  forget(prefix: string): void {
    for (const key of this.#entries.keys()) if (key.startsWith(prefix)) this.#entries.delete(key);
  }
}
