/**
 * What the store does when its disk is full, after etcd's NOSPACE alarm: reads go on, and only
 * writes that let work finish are accepted — deletions, the steps of a graceful deletion (updates
 * of objects that carry a deletionTimestamp) and node heartbeats (Leases) — so that deleting a pod
 * still stops its containers and the node stays Ready. Everything else is refused with a clear
 * error until space returns.
 *
 * Those writes need room on a disk that has none: the store keeps a reserve file beside its
 * database and gives back a step of it each time such a write finds the disk full, then tries the
 * write again at once. A step at a time, so that a process filling the disk meanwhile takes little
 * of it; the reserve is made whole again once there is space.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, openSync, rmSync, statfsSync, statSync, truncateSync, writeSync } from 'node:fs';

/** The default size of the reserve: room for thousands of deletions. */
export const DEFAULT_RESERVE_BYTES = 16 * 1024 * 1024;

/** How much of the reserve one essential write may free at a time. */
const STEP_BYTES = 1024 * 1024;

/** Steps an essential write may free before it is refused. */
const MAX_STEPS = 4;

/** A write refused because the disk is full. */
export class StoreFull extends Error {
  constructor(readonly dir: string, cause?: unknown) {
    super(`the disk of the data directory is full (${dir}): until space is freed, hostpod keeps serving reads and accepts only deletions`, { cause });
  }
}

/** Whether an error is SQLite's (or the file system's) "no space left". */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

export class SpaceGuard {
  #alarm = false;

  /**
   * @param dir the store's directory
   * @param reserveBytes the size of the reserve (0: none)
   */
  constructor(readonly dir: string, private readonly reserveBytes: number, private readonly reserveFile: string) {}

  /** Whether the disk filled and has not yet been found to have room again. */
  get alarmed(): boolean {
    return this.#alarm;
  }

  /**
   * Runs a write. On a full disk it raises the alarm and releases the reserve; an `essential` write
   * is then tried once more, others are refused.
   * @throws StoreFull
   */
  run<T>(essential: boolean, write: () => T): T {
    if (this.#alarm && !this.#recovered() && !essential) throw new StoreFull(this.dir);
    for (let step = 0; ; step++) {
      try {
        return write();
      } catch (error) {
        if (!isDiskFull(error)) throw error;
        this.#alarm = true;
        if (!essential || step >= MAX_STEPS || !this.#releaseStep()) throw new StoreFull(this.dir, error);
      }
    }
  }

  /** Creates the reserve when it is missing and the disk has room for it and as much again. */
  ensureReserve(): void {
    if (this.reserveBytes <= 0 || this.#reserveSize() >= this.reserveBytes) return;
    if (this.#free() < 2 * this.reserveBytes) return;
    try {
      // fallocate(1) reserves the blocks at once; writing zeros is the fallback where it cannot.
      execFileSync('fallocate', ['--length', String(this.reserveBytes), this.reserveFile], { stdio: 'ignore' });
      chmodSync(this.reserveFile, 0o600);
      return;
    } catch {
      rmSync(this.reserveFile, { force: true });
    }
    const fd = openSync(this.reserveFile, 'w', 0o600);
    try {
      const chunk = Buffer.alloc(1024 * 1024);
      for (let written = 0; written < this.reserveBytes; written += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, this.reserveBytes - written));
    } catch (error) {
      closeSync(fd);
      rmSync(this.reserveFile, { force: true });
      if (isDiskFull(error)) return;
      throw error;
    }
    closeSync(fd);
  }

  /** Space is back (room for the reserve and as much again): the reserve is made again, the alarm ends. */
  #recovered(): boolean {
    if (this.#free() < 2 * Math.max(this.reserveBytes, 1024 * 1024)) return false;
    try {
      this.ensureReserve();
    } catch {
      return false;
    }
    this.#alarm = false;
    return true;
  }

  /** Gives a step of the reserve back to the file system; false when nothing is left. */
  #releaseStep(): boolean {
    const size = this.#reserveSize();
    if (size === 0) return false;
    truncateSync(this.reserveFile, Math.max(0, size - STEP_BYTES));
    return true;
  }

  #reserveSize(): number {
    try {
      return statSync(this.reserveFile).size;
    } catch {
      return 0;
    }
  }

  #free(): number {
    try {
      const stats = statfsSync(this.dir);
      return stats.bavail * stats.bsize;
    } catch {
      return 0;
    }
  }
}
