/** Full disks for tests: a file written until its file system has not one block left. */
import { closeSync, openSync, writeSync } from 'node:fs';

/** Appends zeros to `file` until the file system says ENOSPC, down to the last block. */
export function fillDisk(file: string): void {
  const fd = openSync(file, 'a');
  try {
    for (const size of [1 << 20, 1 << 12, 1]) {
      const chunk = Buffer.alloc(size);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
}
