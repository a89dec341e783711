/**
 * Replacing a file whole or not at all, the one way hostpod does it (container records and
 * states, image records and leases, certificates, keys and kubeconfigs): the data goes to a new
 * temporary file beside the target with its final mode, is flushed to disk, is renamed over the
 * target, and the directory is flushed so the rename survives a power cut. A crash at any point
 * leaves the old file or the new one, never a mix; a failure removes the temporary file.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes `data` to `path` atomically and durably. `mode` applies to the new file (default 0600). */
export function writeFileAtomically(path: string, data: string | Uint8Array, mode = 0o600): void {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = openSync(temporary, 'wx', mode);
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  syncDirectory(dirname(path));
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is done either way.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
