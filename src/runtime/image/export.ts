/**
 * `hostpod image export`: images as an OCI image-layout tarball (`oci-layout`, `index.json`,
 * `blobs/sha256/...`), with a docker-style `manifest.json` beside it, as `docker save` writes
 * since Docker 25, so `docker load`, `podman load`, `skopeo` and `hostpod image import` all
 * read it. An image pulled from a multi-platform index is exported as its one platform's
 * manifest: the store holds only that one.
 */
import type { Writable } from 'node:stream';
import { blobPath, OciArchiveWriter } from './oci-archive.js';
import { MediaType, type Descriptor } from './oci.js';
import type { ImageRecord } from './records.js';
import { parseReference } from './reference.js';
import type { ImageStore } from './store.js';

/** `docker.io/library/busybox:1.36` -> `busybox:1.36`, the form docker shows and writes. */
export function familiarName(name: string): string {
  return name.replace(/^docker\.io\//, '').replace(/^library\/(?=[^/]+$)/, '').replace(/^library\/(?=[^/:@]+[:@])/, '');
}

export async function exportImages(store: ImageStore, images: readonly ImageRecord[], out: Writable): Promise<void> {
  const archive = new OciArchiveWriter(store, out);
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
  await archive.file('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  for (const digest of blobs) await archive.blob(digest, 0o444);
  await archive.file('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests })));
  await archive.file('manifest.json', Buffer.from(JSON.stringify(dockerManifest)));
  await archive.finish();
}
