/**
 * An OCI image-layout tarball being written (`oci-layout`, `blobs/sha256/...`, `index.json`), as
 * `hostpod image export` and `hostpod image build --output type=oci` write it: every entry dated
 * the epoch, blobs streamed from the store. The output may fail at any time (a full disk, a closed
 * pipe): packing stops then, and `finish` rejects with that error.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { hexOf } from './digest.js';
import type { ImageStore } from './store.js';

const EPOCH = new Date(0);

/** The path of a blob in the layout. */
export function blobPath(digest: string): string {
  return `blobs/sha256/${hexOf(digest)}`;
}

export class OciArchiveWriter {
  readonly #pack = tar.pack();
  readonly #done: Promise<void>;
  #failed: unknown;

  /** Starts the tarball with its `oci-layout` file. */
  constructor(private readonly store: ImageStore, out: Writable) {
    this.#done = pipeline(this.#pack as unknown as NodeJS.ReadableStream, out);
    this.#done.catch((error: unknown) => {
      this.#failed = error;
      this.#pack.destroy();
    });
  }

  /** A file of the layout (`oci-layout`, `index.json`, `manifest.json`), mode 0644. */
  file(name: string, bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pack.entry({ name, size: bytes.length, mode: 0o644, mtime: EPOCH }, bytes, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** A blob of the store, streamed into `blobs/sha256/`. */
  blob(digest: string, mode: number): Promise<void> {
    const size = this.store.content.size(digest);
    return new Promise<void>((resolve, reject) => {
      const entry = this.#pack.entry({ name: blobPath(digest), size, mode, mtime: EPOCH }, (error) => (error ? reject(error) : resolve()));
      pipeline(this.store.content.stream(digest), entry as unknown as NodeJS.WritableStream).catch(reject);
    });
  }

  /** Ends the tarball; resolves once the output has taken all of it. */
  async finish(): Promise<void> {
    if (this.#failed === undefined) this.#pack.finalize();
    await this.#done;
  }
}
