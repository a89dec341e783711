/**
 * CRI log files (the kubelet's format, written by the monitor): one entry per line,
 * `<RFC 3339 nano timestamp> <stdout|stderr> <P|F> <text>`, P for a piece of a longer line.
 * Rotated files are `<n>.log.1` (newest) to `<n>.log.<maxFiles-1>` (oldest).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

export interface LogEntry {
  time: string;
  stream: 'stdout' | 'stderr';
  /** False for a P (partial) entry: the line goes on in the next entry of the same stream. */
  full: boolean;
  text: string;
}

export function parseLogLine(line: string): LogEntry | undefined {
  const match = /^(\S+) (stdout|stderr) ([PF]) (.*)$/s.exec(line);
  if (!match) return undefined;
  return { time: match[1] ?? '', stream: match[2] as 'stdout' | 'stderr', full: match[3] === 'F', text: match[4] ?? '' };
}

/** The longest file name Linux file systems take (NAME_MAX, in bytes). */
const NAME_MAX = 255;

const shortHash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * The directory of a pod's logs: the kubelet's `<namespace>_<pod>_<uid>` when it fits in a file
 * name; else the pod's name is cut and a hash of it added (`<namespace>_<start>-<hash>_<uid>`),
 * since the API admits a 253-character name in a 63-character namespace. Every reader and
 * writer of the logs goes through this function.
 */
export function podLogDir(logRoot: string, pod: { namespace: string; name: string; uid: string }): string {
  const full = `${pod.namespace}_${pod.name}_${pod.uid}`;
  if (Buffer.byteLength(full) <= NAME_MAX) return join(logRoot, full);
  const hash = shortHash(pod.name);
  const room = NAME_MAX - Buffer.byteLength(`${pod.namespace}__${pod.uid}-${hash}`);
  // Names are DNS subdomains (ASCII); a uid or namespace too long to leave room is hashed whole.
  if (room < 1) return join(logRoot, shortHash(full));
  return join(logRoot, `${pod.namespace}_${pod.name.slice(0, room)}-${hash}_${pod.uid}`);
}

/** The log file of a container of a pod, by the kubelet's layout: `<ns>_<pod>_<uid>/<container>/<restart>.log` (see podLogDir). */
export function containerLogPath(logRoot: string, pod: { namespace: string; name: string; uid: string }, container: string, restartCount: number): string {
  return join(podLogDir(logRoot, pod), container, `${restartCount}.log`);
}

/** The files of one log, oldest first (rotated ones, then the live one). */
export function logFiles(path: string, maxFiles = 64): string[] {
  const files: string[] = [];
  for (let i = maxFiles; i >= 1; i--) if (existsSync(`${path}.${i}`)) files.push(`${path}.${i}`);
  if (existsSync(path)) files.push(path);
  return files;
}

/** Splits bytes into lines, keeping the last incomplete one for the next chunk. */
class LineSplitter {
  private rest = '';
  // A multi-byte character can be cut between two reads.
  private readonly decoder = new StringDecoder('utf8');
  push(chunk: Buffer): string[] {
    const text = this.rest + this.decoder.write(chunk);
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines;
  }
}

/** Every entry of a log, oldest first. */
export function readLog(path: string): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const file of logFiles(path)) {
    const fd = openSync(file, 'r');
    try {
      const splitter = new LineSplitter();
      for (const chunk of readChunks(fd)) for (const line of splitter.push(chunk)) pushEntry(entries, line);
    } finally {
      closeSync(fd);
    }
  }
  return entries;
}

function pushEntry(entries: LogEntry[], line: string): void {
  const entry = parseLogLine(line);
  if (entry) entries.push(entry);
}

function* readChunks(fd: number): Generator<Buffer> {
  const buffer = Buffer.alloc(64 * 1024);
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, null);
    if (n === 0) return;
    yield buffer.subarray(0, n);
  }
}

/**
 * Follows a log as the monitor writes it, calling `onEntry` for each entry, until `done()` is true
 * and everything written has been read. Survives rotation: when the live file is replaced, the
 * old one is read to its end before the new one is opened.
 */
export async function followLog(
  path: string,
  onEntry: (entry: LogEntry) => void,
  done: () => boolean,
  options: { fromStart?: boolean; intervalMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const interval = options.intervalMs ?? 50;
  const buffer = Buffer.alloc(64 * 1024);
  let fd: number | undefined;
  let position = 0;
  let splitter = new LineSplitter();
  const drain = (): void => {
    if (fd === undefined) return;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, position);
      if (n === 0) return;
      position += n;
      for (const line of splitter.push(buffer.subarray(0, n))) {
        const entry = parseLogLine(line);
        if (entry) onEntry(entry);
      }
    }
  };
  const fromStart = options.fromStart !== false;
  if (fromStart) for (const file of logFiles(path).slice(0, -1)) for (const entry of readLog(file)) onEntry(entry);
  for (;;) {
    const finished = done();
    if (fd === undefined && existsSync(path)) {
      fd = openSync(path, 'r');
      position = fromStart ? 0 : fstatSync(fd).size;
    }
    drain();
    if (fd !== undefined && existsSync(path) && statSync(path).ino !== fstatSync(fd).ino) {
      // Rotated: finish the old file, then start on the new one from its beginning.
      drain();
      closeSync(fd);
      fd = openSync(path, 'r');
      position = 0;
      splitter = new LineSplitter();
      drain();
    }
    if (finished || options.signal?.aborted) break;
    await new Promise((r) => setTimeout(r, interval));
  }
  drain();
  if (fd !== undefined) closeSync(fd);
}
