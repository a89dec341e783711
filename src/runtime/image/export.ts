/**
 * `hostpod image export`: images as an OCI image-layout tarball (`oci-layout`, `index.json`,
 * `blobs/sha256/...`), with a docker-style `manifest.json` beside it, as `docker save` writes
 * since Docker 25, so `docker load`, `podman load`, `skopeo` and `hostpod image import` all
 * read it. An image pulled from a multi-platform index is exported as its one platform's
 * manifest: the store holds only that one.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { hexOf } from './digest.js';
import { MediaType, type Descriptor } from './oci.js';
import type { ImageRecord } from './records.js';
import { parseReference } from './reference.js';
import type { ImageStore } from './store.js';

/** `docker.io/library/busybox:1.36` -> `busybox:1.36`, the form docker shows and writes. */
export function familiarName(name: string): string {
  return name.replace(/^docker\.io\//, '').replace(/^library\/(?=[^/]+$)/, '').replace(/^library\/(?=[^/:@]+[:@])/, '');
}

const blobPath = (digest: string): string => `blobs/sha256/${hexOf(digest)}`;

export async function exportImages(store: ImageStore, images: readonly ImageRecord[], out: Writable): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack as unknown as NodeJS.ReadableStream, out);
  // The output may fail at any time (a full disk, a closed pipe): stop packing then.
  let failed: unknown;
  done.catch((error: unknown) => {
    failed = error;
    pack.destroy();
  });
  const manifests: Descriptor[] = [];
  const dockerManifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const blobs = new Set<string>();
  for (const image of images) {
    const ref = parseReference(image.name);
    const descriptor: Descriptor = {
      mediaType: store.manifest(image.manifest, '', image.name).mediaType,
      digest: image.manifest,
      size: store.content.size(image.manifest),
      annotations: { 'io.containerd.image.name': image.name, ...(ref.tag !== undefined ? { 'org.opencontainers.image.ref.name': ref.tag } : {}) },
    };
    manifests.push(descriptor);
    dockerManifest.push({ Config: blobPath(image.config), RepoTags: ref.tag !== undefined ? [familiarName(image.name)] : [], Layers: image.layers.map((l) => blobPath(l.digest)) });
    for (const digest of [image.manifest, image.config, ...image.layers.map((l) => l.digest)]) blobs.add(digest);
  }
  const add = (name: string, bytes: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      pack.entry({ name, size: bytes.length, mode: 0o644, mtime: new Date(0) }, bytes, (error) => (error ? reject(error) : resolve()));
    });
  await add('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  for (const digest of blobs) {
    const size = store.content.size(digest);
    await new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ name: blobPath(digest), size, mode: 0o444, mtime: new Date(0) }, (error) => (error ? reject(error) : resolve()));
      pipeline(store.content.stream(digest), entry as unknown as NodeJS.WritableStream).catch(reject);
    });
  }
  await add('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests })));
  await add('manifest.json', Buffer.from(JSON.stringify(dockerManifest)));
  if (failed === undefined) pack.finalize();
  await done;
}
