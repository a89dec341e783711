import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

/** A process's exit code (once its output has been read), 128 + the signal's number when a signal ended it. */
export function exitCodeOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}
