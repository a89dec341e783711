import type { Readable, Writable } from 'node:stream';

/** Where a command reads and writes: the process's streams, or a test's. */
export interface CommandIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** Exit codes shared by the commands. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** A bug in hostpod: reported with its stack. */
export const EXIT_INTERNAL = 3;
