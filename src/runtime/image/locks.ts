/**
 * Locks that make concurrent pulls do each piece of work once, within one process (a map of
 * promises) and across processes (lock directories under the store, via proper-lockfile, which
 * also takes over locks whose holder died).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';

/**
 * A lock whose holder has not refreshed it for this long is taken over. The refresh runs on a
 * timer, which long synchronous work (cloning a big snapshot) delays: hence a generous figure.
 */
const STALE_MS = 120_000;

export class Locks {
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(private readonly dir: string) {}

  /**
   * Runs `fn` holding the lock `key`, in this process and across processes. Callers that arrive
   * while another holds the lock wait for it and then run their own `fn`, which should first
   * check whether the work is already done.
   */
  async with<T>(key: string, fn: () => Promise<T>): Promise<T> {
    // Chain behind whoever in this process holds the key, then take the cross-process lock.
    const previous = this.running.get(key) ?? Promise.resolve();
    const mine = previous.catch(() => undefined).then(() => this.withFileLock(key, fn));
    this.running.set(key, mine);
    try {
      return await mine;
    } finally {
      if (this.running.get(key) === mine) this.running.delete(key);
    }
  }

  private async withFileLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    let compromised: Error | undefined;
    let release: () => Promise<void>;
    // Wait for as long as another holds the lock (ELOCKED), and for nothing else: proper-lockfile's
    // own retries would retry any error for ever, a directory removed meanwhile (ENOENT) included.
    for (let delay = 10; ; delay = Math.min(200, delay * 1.5)) {
      try {
        release = await lockfile.lock(join(this.dir, key), {
          realpath: false,
          stale: STALE_MS,
          retries: 0,
          onCompromised: (error) => {
            compromised = error;
          },
        });
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // The locks directory alone was removed: make it again (never its parents: the store may be gone for good).
        if (code === 'ENOENT') makeDir(this.dir);
        else if (code !== 'ELOCKED') throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    try {
      const result = await fn();
      if (compromised) throw compromised;
      return result;
    } finally {
      await release().catch(() => undefined);
    }
  }
}

/** mkdir of one directory (its parent must exist), tolerating a racing creator. */
function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
