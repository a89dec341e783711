/**
 * A container's log as the kubelet serves it: the CRI log file's entries, stdout and stderr
 * together, cut by `sinceTime`/`sinceSeconds`, `tailLines` and `limitBytes`, prefixed with their
 * timestamps on request, and followed while the container runs.
 */
import type { Writable } from 'node:stream';
import type { PodLogOptions } from '../../api/pod-log-options.js';
import { followLog, readLog, type LogEntry } from '../../runtime/logs.js';

/** The log of one container instance. */
export interface LogSource {
  /** The CRI log file (rotated files beside it are read first). */
  path: string;
  /** Whether the container still writes it: `follow` ends once this is false and all is read. */
  live: () => boolean;
}

/** Writes the log to `out` by `options`; resolves when done, or when `signal` aborts. */
export async function streamLog(source: LogSource, options: PodLogOptions, out: Writable, signal: AbortSignal): Promise<void> {
  const writer = new LogWriter(options, out);
  const entries = readLog(source.path);
  const skip = firstShown(entries, options);
  if (!options.follow) {
    for (const entry of entries.slice(skip)) if (!writer.write(entry)) break;
    return;
  }
  let index = 0;
  let full = false;
  await followLog(source.path, (entry) => {
    if (index++ < skip || full) return;
    full = !writer.write(entry);
  }, () => full || !source.live(), { signal, intervalMs: 100 });
}

/** The index of the first entry to show: after `since`, and within the last `tailLines` lines. */
function firstShown(entries: readonly LogEntry[], options: PodLogOptions): number {
  let first = 0;
  if (options.since) {
    const since = options.since.getTime();
    first = entries.findIndex((e) => Date.parse(e.time) >= since);
    if (first < 0) first = entries.length;
  }
  if (options.tailLines !== undefined) {
    // A line is its pieces up to a full entry: count full entries back from the end.
    let lines = 0;
    let start = entries.length;
    for (let i = entries.length - 1; i >= first; i--) {
      if (entries[i]!.full) {
        if (lines === options.tailLines) break;
        lines++;
      }
      start = i;
    }
    if (options.tailLines === 0) start = entries.length;
    first = Math.max(first, start);
  }
  return first;
}

class LogWriter {
  #written = 0;
  /** Whether the next entry of each stream starts a line (for the timestamp prefix). */
  #lineStart = { stdout: true, stderr: true };

  constructor(private readonly options: PodLogOptions, private readonly out: Writable) {}

  /** Writes an entry; false once `limitBytes` is reached (nothing more is to be written). */
  write(entry: LogEntry): boolean {
    if (this.options.since && Date.parse(entry.time) < this.options.since.getTime()) return true;
    const prefix = this.options.timestamps && this.#lineStart[entry.stream] ? `${entry.time} ` : '';
    this.#lineStart[entry.stream] = entry.full;
    let bytes = Buffer.from(`${prefix}${entry.text}${entry.full ? '\n' : ''}`, 'utf8');
    const limit = this.options.limitBytes;
    if (limit !== undefined && this.#written + bytes.length >= limit) bytes = bytes.subarray(0, limit - this.#written);
    this.#written += bytes.length;
    if (bytes.length > 0) this.out.write(bytes);
    return limit === undefined || this.#written < limit;
  }
}
