import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';

/** Where a command reads and writes: the process's streams, or a test's. */
export interface CommandIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** A long-running command's log: one JSON object per line on stderr. */
export type JsonLog = (level: string, message: string, fields?: Record<string, unknown>) => void;

export function jsonLog(io: CommandIO): JsonLog {
  return (level, msg, fields = {}) => {
    io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
  };
}

/** Resolves with the first SIGTERM or SIGINT: how a foreground server is asked to stop. */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

/**
 * After the first stop signal: a second SIGTERM or SIGINT exits at once, with 128 + its number
 * as a shell reports it, after a log line naming what was not waited for.
 */
export function exitOnSecondSignal(log: JsonLog, leaving: string): void {
  const now = (signal: NodeJS.Signals): void => {
    log('warn', `second ${signal}: exiting now, without waiting for ${leaving}`);
    process.exit(128 + constants.signals[signal as 'SIGTERM' | 'SIGINT']);
  };
  process.once('SIGTERM', now);
  process.once('SIGINT', now);
}
