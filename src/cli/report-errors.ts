/** How commands report failures a user can fix: the message, a hint, exit code 1. */
import { isHostpodError } from '../errors.js';
import { EXIT_FAILED, type CommandIO } from './io.js';

/** File-system failures a user can fix, with what to do about them. */
export const FS_HINTS: Record<string, string> = {
  EACCES: 'run as root, or pass --data-dir (or set HOSTPOD_DATA_DIR) to a directory you can write',
  EPERM: 'run as root, or pass --data-dir (or set HOSTPOD_DATA_DIR) to a directory you can write',
  EROFS: 'the file system is read-only: pass --data-dir to a writable one',
  ENOSPC: 'the disk is full: free space, or run hostpod image prune',
  EDQUOT: 'the disk quota is exhausted: free space, or run hostpod image prune',
};

/** Runs an action; a HostpodError or a fixable file-system failure is reported and exits 1. */
export function runReported(io: CommandIO, exit: { code: number }, action: () => Promise<void>): Promise<void> {
  return action().catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (!isHostpodError(error) && !(code !== undefined && code in FS_HINTS)) throw error;
    const hint = isHostpodError(error) ? error.hint : FS_HINTS[code as string];
    io.stderr.write(`error: ${(error as Error).message}\n${hint ? `  hint: ${hint}\n` : ''}`);
    exit.code = EXIT_FAILED;
  });
}

