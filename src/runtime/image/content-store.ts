/**
 * The content store: blobs (manifests, configs, layers) kept by their sha256 digest, as
 * containerd keeps them. A blob is written under `ingest/`, verified against the digest and size
 * it was announced with, and only then renamed into `blobs/sha256/<hex>`; so a blob in the store
 * is always whole and correct, and a failed or interrupted write leaves nothing behind but an
 * ingest file that the next prune removes.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, createReadStream, createWriteStream, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HostpodError } from '../../errors.js';
import { DigestingStream, hexOf, sha256 } from './digest.js';
import { isDigest } from './oci.js';

/** What a blob is expected to be: from a manifest, an index or a registry's answer. */
export interface Expected {
  digest: string;
  size?: number;
}

export class ContentStore {
  readonly blobsDir: string;
  readonly ingestDir: string;

  constructor(root: string) {
    this.blobsDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'ingest');
    mkdirSync(this.blobsDir, { recursive: true });
    mkdirSync(this.ingestDir, { recursive: true });
  }

  path(digest: string): string {
    if (!isDigest(digest)) throw new HostpodError('ERR_HOSTPOD_DIGEST', `"${String(digest)}" is not a sha256 digest`);
    return join(this.blobsDir, hexOf(digest));
  }

  has(digest: string): boolean {
    return existsSync(this.path(digest));
  }

  size(digest: string): number {
    return statSync(this.path(digest)).size;
  }

  read(digest: string): Buffer {
    return readFileSync(this.path(digest));
  }

  /** The first `length` bytes of a blob (to sniff its format without reading it all). */
  head(digest: string, length: number): Buffer {
    const fd = openSync(this.path(digest), 'r');
    try {
      const buffer = Buffer.alloc(length);
      return buffer.subarray(0, readSync(fd, buffer, 0, length, 0));
    } finally {
      closeSync(fd);
    }
  }

  stream(digest: string): Readable {
    return createReadStream(this.path(digest), { highWaterMark: 1 << 20 });
  }

  /** Every digest in the store. */
  list(): string[] {
    return readdirSync(this.blobsDir).filter((name) => /^[a-f0-9]{64}$/.test(name)).map((hex) => `sha256:${hex}`);
  }

  delete(digest: string): void {
    rmSync(this.path(digest), { force: true });
  }

  /** Stores bytes held in memory (manifests, configs); verifies them when `expected` is given. */
  writeBuffer(bytes: Buffer, expected?: Expected, source = 'blob'): string {
    const digest = sha256(bytes);
    if (expected) verify(expected, digest, bytes.length, source);
    const target = this.path(digest);
    if (existsSync(target)) return digest;
    const temp = this.tempPath();
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o444);
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
    return digest;
  }

  /**
   * Streams `source` into the store, hashing as it goes. With `expected`, a different digest or
   * size is an error and nothing is kept; `onBytes` sees progress. Returns the digest and size.
   */
  async writeStream(
    source: Readable | AsyncIterable<Buffer>,
    expected: Expected | undefined,
    what: string,
    onBytes?: (n: number) => void,
    /** Runs once the digest is known and before the blob appears in the store (to lease it). */
    beforeCommit?: (digest: string) => Promise<void>,
  ): Promise<{ digest: string; size: number }> {
    const temp = this.tempPath();
    const digesting = new DigestingStream();
    if (onBytes) digesting.on('data', (chunk: Buffer) => onBytes(chunk.length));
    try {
      const out = createWriteStream(temp, { flags: 'wx', mode: 0o444, highWaterMark: 1 << 20 });
      await pipeline(source, digesting, out);
      const digest = digesting.digest();
      if (expected) verify(expected, digest, digesting.bytes, what);
      await beforeCommit?.(digest);
      const fd = openSync(temp, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, join(this.blobsDir, hexOf(digest)));
      return { digest, size: digesting.bytes };
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
  }

  /** Removes ingest files that no writer holds any more (older than `olderThanMs`). */
  cleanIngest(olderThanMs: number): number {
    let removed = 0;
    for (const name of readdirSync(this.ingestDir)) {
      const file = join(this.ingestDir, name);
      try {
        if (Date.now() - statSync(file).mtimeMs >= olderThanMs) {
          unlinkSync(file);
          removed++;
        }
      } catch {
        // Gone already: its writer finished.
      }
    }
    return removed;
  }

  private tempPath(): string {
    return join(this.ingestDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
  }
}

function verify(expected: Expected, digest: string, size: number, what: string): void {
  if (expected.size !== undefined && size !== expected.size) {
    throw new HostpodError('ERR_HOSTPOD_BLOB_INVALID', `${what} ${expected.digest}: expected ${expected.size} bytes, got ${size}`, {
      hint: 'the source served a truncated or corrupted blob; nothing was stored. Retry, and if it persists re-push the image',
    });
  }
  if (digest !== expected.digest) {
    throw new HostpodError('ERR_HOSTPOD_BLOB_INVALID', `${what} ${expected.digest}: content has digest ${digest}`, {
      hint: 'the source served corrupted content; nothing was stored. Re-push the image or repair the registry storage',
    });
  }
}
