import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { HostpodError } from '../errors.js';

/**
 * The largest input file hostpod reads whole. Each document inside is further capped at
 * MAX_DOCUMENT_BYTES, so this only bounds how much a hostile file can make us hold at once.
 */
export const MAX_SOURCE_BYTES = 64 * 1024 * 1024;

/** A manifest source read into memory and checked to be text. */
export interface Source {
  /** The path as the user gave it, or `-` for standard input. */
  name: string;
  text: string;
}

/**
 * Reads a manifest file (or standard input when `name` is `-`) as UTF-8 text.
 * @throws HostpodError ERR_HOSTPOD_UNREADABLE when the file cannot be read, is too large, or is
 *   not text (binary data, invalid UTF-8).
 */
export async function readSource(name: string, stdin: Readable = process.stdin): Promise<Source> {
  const bytes = name === '-' ? await readStream(stdin, name) : readFileCapped(name);
  return { name, text: decodeText(name, bytes) };
}

// Synchronous on purpose: manifests are small local files, and one open/fstat/read/close costs a
// fraction of the async thread-pool round trips when thousands of files are linted.
function readFileCapped(path: string): Buffer {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const info = fstatSync(fd);
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (info.isFile() && info.size > MAX_SOURCE_BYTES) throw tooLarge(path, info.size);
    return readAll(fd, path);
  } catch (error) {
    if (error instanceof HostpodError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file or directory' :
      code === 'EACCES' ? 'permission denied' :
      code === 'EISDIR' ? 'is a directory' :
      (error as Error).message;
    throw new HostpodError('ERR_HOSTPOD_UNREADABLE', `cannot read ${path}: ${reason}`, {
      hint: code === 'ENOENT' ? 'check the path; pass - to read from standard input' : undefined,
      cause: error,
    });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const CHUNK_BYTES = 64 * 1024;

// Reads until end of file rather than trusting fstat's size, which is 0 for pipes, FIFOs,
// /dev/stdin and process substitution. Binary data is refused at its first chunk, so /dev/zero
// or a disk image costs one chunk, not the whole cap.
function readAll(fd: number, path: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    const n = readSync(fd, chunk, 0, CHUNK_BYTES, null);
    if (n === 0) break;
    const nul = chunk.subarray(0, n).indexOf(0);
    if (nul !== -1) throw notText(path, `binary data (a NUL byte at offset ${total + nul})`);
    total += n;
    if (total > MAX_SOURCE_BYTES) throw tooLarge(path, total);
    chunks.push(n === CHUNK_BYTES ? chunk : chunk.subarray(0, n));
  }
  return Buffer.concat(chunks, total);
}

async function readStream(stream: Readable, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.length;
    // Stop reading instead of buffering without bound: stdin may be an endless pipe.
    if (total > MAX_SOURCE_BYTES) {
      stream.destroy();
      throw tooLarge(name === '-' ? 'standard input' : name, total);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(name: string, size: number): HostpodError {
  return new HostpodError(
    'ERR_HOSTPOD_UNREADABLE',
    `cannot read ${name}: ${formatMiB(size)} is more than the ${formatMiB(MAX_SOURCE_BYTES)} hostpod reads from one source`,
    { hint: 'split the manifests into several files' },
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeText(name: string, bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  if (nul !== -1) throw notText(name, `binary data (a NUL byte at offset ${nul})`);
  try {
    // A UTF-8 byte order mark is legal in YAML and JSON; drop it so it cannot end up in a key.
    // Windows line endings become plain newlines, as kubectl's reader trims the \r of each line.
    return utf8.decode(bytes).replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  } catch (error) {
    throw notText(name, 'bytes that are not valid UTF-8', error);
  }
}

function notText(name: string, what: string, cause?: unknown): HostpodError {
  const shown = name === '-' ? 'standard input' : name;
  return new HostpodError('ERR_HOSTPOD_UNREADABLE', `${shown} is not a YAML or JSON manifest: it contains ${what}`, {
    hint: 'pass the manifest files themselves (.yaml, .yml or .json)',
    cause,
  });
}

export function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
