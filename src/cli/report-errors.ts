/**
 * The command line's one error reporter. An error a user can fix (a HostpodError, or a
 * file-system failure with a known remedy) is printed the same way by every command,
 * `error: MESSAGE` and then `  hint: WHAT TO DO`, and exits with its code from exit-codes.ts;
 * anything else is a bug, printed with its stack, exit 3.
 */
import { CommanderError } from 'commander';
import { isHostpodError } from '../errors.js';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, exitCodeOf, type ExitScheme } from './exit-codes.js';
import type { CommandIO } from './io.js';

/** File-system failures a user can fix, with what to do about them. */
export const FS_HINTS: Record<string, string> = {
  EACCES: 'run as root, or pass --data-dir (or set HOSTPOD_DATA_DIR) to a directory you can write',
  EPERM: 'run as root, or pass --data-dir (or set HOSTPOD_DATA_DIR) to a directory you can write',
  EROFS: 'the file system is read-only: pass --data-dir to a writable one',
  ENOSPC: 'the disk is full: free space, or run hostpod image prune',
  EDQUOT: 'the disk quota is exhausted: free space, or run hostpod image prune',
};

/** An error as every command prints it: `error: MESSAGE`, then `  hint: HINT` when there is one. */
export function formatError(message: string, hint?: string): string {
  return `error: ${message}\n${hint ? `  hint: ${hint}\n` : ''}`;
}

function fsCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && Object.hasOwn(FS_HINTS, code) ? code : undefined;
}

/**
 * Prints `error` on standard error and returns the exit code. Commander has already printed its
 * own errors (bad flags and arguments: exit 2) and --help and --version (exit 0).
 */
export function reportError(io: CommandIO, error: unknown, scheme: ExitScheme = 'own'): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (isHostpodError(error)) {
    io.stderr.write(formatError(error.message, error.hint));
    return exitCodeOf(error, scheme);
  }
  const code = fsCode(error);
  if (code !== undefined) {
    io.stderr.write(formatError((error as Error).message, FS_HINTS[code]));
    return exitCodeOf(error, scheme);
  }
  io.stderr.write(`hostpod: internal error (a bug, please report it):\n${(error as Error | undefined)?.stack ?? String(error)}\n`);
  return EXIT_INTERNAL;
}

/** Runs a command's action; whatever it throws is reported and sets `exit.code`. */
export async function runReported(io: CommandIO, exit: { code: number }, action: () => Promise<void>, scheme: ExitScheme = 'own'): Promise<void> {
  try {
    await action();
  } catch (error) {
    exit.code = reportError(io, error, scheme);
  }
}
