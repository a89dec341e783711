/**
 * Where a build goes: hostpod's store (recorded under its tags; of an index, the manifest for
 * this host, else the first, with the other platforms' blobs kept for a later push), or an OCI
 * image-layout tarball of the whole manifest or index.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { hexOf } from '../digest.js';
import { MediaType, parseManifestOrIndex, type Descriptor } from '../oci.js';
import { hostPlatform, platformMatches } from '../platform.js';
import type { ImageRecord, Lease } from '../records.js';
import { parseReference } from '../reference.js';
import type { ImageStore, UnpackProgress } from '../store.js';
import type { BuildResult } from './build.js';

/** Records a build under `names` (full references). */
export async function recordBuild(store: ImageStore, result: BuildResult, names: readonly string[], lease: Lease, progress: UnpackProgress = {}): Promise<ImageRecord[]> {
  const host = hostPlatform();
  const chosen = result.images.find((i) => platformMatches(host, i.platform)) ?? result.images[0];
  if (!chosen || names.length === 0) return [];
  const otherBlobs = result.images.filter((i) => i !== chosen).flatMap((i) => [i.descriptor.digest, i.manifest.config.digest, ...i.manifest.layers.map((l) => l.digest)]);
  return store.commit({ names: names.map((n) => parseReference(n).canonical), target: result.target, manifestDigest: chosen.descriptor.digest, manifest: chosen.manifest, config: chosen.config, source: 'build', otherBlobs }, progress, lease);
}

/** Every blob `target` needs: itself, and its manifests, configs and layers. */
export function blobsOf(store: ImageStore, target: Descriptor): string[] {
  const out = [target.digest];
  const parsed = parseManifestOrIndex(store.content.read(target.digest), target.mediaType, `manifest ${target.digest}`);
  if (parsed.kind === 'index') for (const m of parsed.index.manifests) out.push(...blobsOf(store, m));
  else out.push(parsed.manifest.config.digest, ...parsed.manifest.layers.map((l) => l.digest));
  return [...new Set(out)];
}

/** Writes `target` as an OCI image-layout tarball (`oci-layout`, `index.json`, `blobs/`). */
export async function writeOciArchive(store: ImageStore, target: Descriptor, name: string | undefined, out: Writable): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack as unknown as NodeJS.ReadableStream, out);
  let failed: unknown;
  done.catch((error: unknown) => {
    failed = error;
    pack.destroy();
  });
  const epoch = new Date(0);
  const add = (entryName: string, bytes: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      pack.entry({ name: entryName, size: bytes.length, mode: 0o644, mtime: epoch }, bytes, (error) => (error ? reject(error) : resolve()));
    });
  await add('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  for (const digest of blobsOf(store, target).sort()) {
    const size = store.content.size(digest);
    await new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ name: `blobs/sha256/${hexOf(digest)}`, size, mode: 0o644, mtime: epoch }, (error) => (error ? reject(error) : resolve()));
      pipeline(store.content.stream(digest), entry as unknown as NodeJS.WritableStream).catch(reject);
    });
  }
  const ref = name !== undefined ? parseReference(name) : undefined;
  const annotations = ref ? { 'io.containerd.image.name': ref.canonical, ...(ref.tag !== undefined ? { 'org.opencontainers.image.ref.name': ref.tag } : {}) } : undefined;
  await add('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ ...target, ...(annotations ? { annotations } : {}) }] })));
  if (failed === undefined) pack.finalize();
  await done;
}
