/**
 * The claim of one `hostpod up` on its data directory. The lock is a kernel lock (an exclusive
 * SQLite lock on `up.lock`, which SQLite takes with fcntl), so it is held exactly as long as the
 * process lives: a kill -9, a zombie or a pid reused by another program never leaves a stale
 * claim behind, which a pid file alone cannot promise. `up.pid` beside it only names the holder
 * in the message a second instance prints.
 */
import Database from 'better-sqlite3';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostpodError } from '../errors.js';

/** Releases the claim. Idempotent. */
export type ReleaseLock = () => Promise<void>;

/**
 * Claims `dir` (the control plane's directory) for this process.
 * @throws HostpodError ERR_HOSTPOD_DATA_DIR_IN_USE when another live process holds it
 */
export async function lockDataDir(dir: string): Promise<ReleaseLock> {
  const lockFile = join(dir, 'up.lock');
  const pidFile = join(dir, 'up.pid');
  const db = new Database(lockFile, { timeout: 0 });
  try {
    // In exclusive locking mode the lock BEGIN EXCLUSIVE takes is kept until the connection closes.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    const holder = (await readFile(pidFile, 'utf8').catch(() => '')).trim();
    throw new HostpodError('ERR_HOSTPOD_DATA_DIR_IN_USE', `another hostpod control plane (pid ${/^\d+$/.test(holder) ? holder : 'unknown'}) is using ${dir}`, {
      hint: 'stop it first, or give this one its own --data-dir',
    });
  }
  // Best effort: the pid only makes a refusal's message clearer, the lock above is the claim.
  await writeFile(pidFile, `${process.pid}\n`, { mode: 0o600 }).catch(() => undefined);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await rm(pidFile, { force: true });
    db.close();
  };
}
