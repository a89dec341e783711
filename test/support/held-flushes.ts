/**
 * Holds the asynchronous `fs.fdatasync` calls of this process (the store's flushes of its log)
 * until the test lets them go, one at a time or all at once.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

export interface HeldFlushes {
  /** The flushes asked for and not let go yet, oldest first. */
  readonly held: (() => void)[];
  /** Puts `fs.fdatasync` back and lets every held flush go. */
  restore(): void;
}

export function holdFlushes(): HeldFlushes {
  const held: (() => void)[] = [];
  const realFdatasync = fs.fdatasync;
  fs.fdatasync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    held.push(() => realFdatasync(fd, callback));
  }) as typeof fs.fdatasync;
  // The ES-module bindings (`import { fdatasync } from 'node:fs'`) follow the default export's change.
  syncBuiltinESMExports();
  return {
    held,
    restore() {
      fs.fdatasync = realFdatasync;
      syncBuiltinESMExports();
      for (const release of held.splice(0)) release();
    },
  };
}
