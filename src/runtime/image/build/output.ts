/**
 * Where a build goes: hostpod's store (recorded under its tags; of an index, the manifest for
 * this host, else the first, with the other platforms' blobs kept for a later push), or an OCI
 * image-layout tarball of the whole manifest or index.
 */
import type { Writable } from 'node:stream';
import { OciArchiveWriter } from '../oci-archive.js';
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
  const archive = new OciArchiveWriter(store, out);
  await archive.file('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  for (const digest of blobsOf(store, target).sort()) await archive.blob(digest, 0o644);
  const ref = name !== undefined ? parseReference(name) : undefined;
  const annotations = ref ? { 'io.containerd.image.name': ref.canonical, ...(ref.tag !== undefined ? { 'org.opencontainers.image.ref.name': ref.tag } : {}) } : undefined;
  await archive.file('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ ...target, ...(annotations ? { annotations } : {}) }] })));
  await archive.finish();
}
