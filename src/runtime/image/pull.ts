/**
 * Pulling an image: resolve the reference at its registry, choose this host's manifest from an
 * index, fetch the config and the layers that are not in the store yet (several at a time, each
 * once even when other pulls want it too), verify every blob, unpack the layer chains and record
 * the image.
 */
import { HostpodError } from '../../errors.js';
import { builtinImage, ensureBuiltin } from './builtin.js';
import { hexOf, sha256 } from './digest.js';
import { parseConfig, parseManifestOrIndex, type Descriptor, type ImageConfig, type Manifest, type Platform } from './oci.js';
import { formatPlatform, hostPlatform, selectManifest } from './platform.js';
import type { ImageRecord, Lease } from './records.js';
import { isLocalOnly, parseReference, type ImageReference } from './reference.js';
import { registryClientFor, type RegistryAccess, type RegistryClient } from './registry/client.js';
import { readBody, withRetries } from './registry/transport.js';
import { checkImageConfig, type ImageStore, type UnpackProgress } from './store.js';

export interface PullProgress extends UnpackProgress {
  resolved?(ref: ImageReference, manifest: Manifest, target: Descriptor): void;
  layerStart?(layer: Descriptor, index: number): void;
  layerBytes?(layer: Descriptor, bytes: number): void;
  layerDone?(layer: Descriptor, state: 'downloaded' | 'exists'): void;
  retrying?(what: string, error: unknown, delayMs: number): void;
}

export interface PullOptions extends RegistryAccess {
  platform?: Platform;
  /** Layers downloaded at the same time. */
  concurrency?: number;
  progress?: PullProgress;
}

/** Pulls `reference` into `store` and returns its record. */
export async function pullImage(store: ImageStore, reference: string, options: PullOptions = {}): Promise<ImageRecord> {
  const ref = parseReference(reference);
  if (isLocalOnly(ref)) return localOnly(store, ref);
  const platform = options.platform ?? hostPlatform();
  const progress = options.progress ?? {};
  const client = registryClientFor(ref.registry, options, (what, error, delay) => progress.retrying?.(what, error, delay));
  const lease = store.beginLease(ref.canonical);
  try {
    const fetched = await fetchWith(store, client, ref, platform, lease, options);
    const [record] = await store.commit({ names: [ref.canonical], ...fetched, source: 'registry' }, progress, lease);
    return record as ImageRecord;
  } finally {
    store.endLease(lease);
  }
}

/** An image fetched into the content store (under a lease) but not unpacked or recorded. */
export interface FetchedImage {
  target: Descriptor;
  manifestDigest: string;
  manifest: Manifest;
  config: ImageConfig;
}

/**
 * Fetches the manifest, config and layers of `ref` for `platform` into the content store under
 * `lease`, without unpacking or recording it: a build's base image, which may be for a platform
 * this host does not run.
 */
export async function fetchImage(store: ImageStore, ref: ImageReference, platform: Platform, lease: Lease, options: Omit<PullOptions, 'platform'> = {}): Promise<FetchedImage> {
  const progress = options.progress ?? {};
  const client = registryClientFor(ref.registry, options, (what, error, delay) => progress.retrying?.(what, error, delay));
  return fetchWith(store, client, ref, platform, lease, options);
}

async function fetchWith(store: ImageStore, client: RegistryClient, ref: ImageReference, platform: Platform, lease: Lease, options: Omit<PullOptions, 'platform'>): Promise<FetchedImage> {
  const progress = options.progress ?? {};
  const { target, manifestDigest, manifest } = await resolve(store, client, ref, platform, lease);
  const config = await fetchConfig(store, client, ref, manifest, lease, progress);
  checkImageConfig(config, manifest, platform, ref.canonical);
  progress.resolved?.(ref, manifest, target);
  await fetchLayers(store, client, ref, manifest, lease, options.concurrency ?? 3, progress);
  return { target, manifestDigest, manifest, config };
}

function localOnly(store: ImageStore, ref: ImageReference): Promise<ImageRecord> {
  if (ref.canonical === builtinImage.reference) return ensureBuiltin(store);
  const found = store.find(ref.canonical);
  if (found) return Promise.resolve(found);
  throw new HostpodError('ERR_HOSTPOD_IMAGE_NOT_FOUND', `image ${ref.canonical} is local-only (localhost/) and is not in the store`, {
    hint: `localhost/ images are never pulled: import it with hostpod image import, or use ${builtinImage.reference} to run the host's own binaries`,
  });
}

async function resolve(store: ImageStore, client: RegistryClient, ref: ImageReference, platform: Platform, lease: Lease): Promise<{ target: Descriptor; manifestDigest: string; manifest: Manifest }> {
  const shown = ref.canonical;
  const top = await fetchManifest(store, client, ref, ref.digest ?? ref.tag ?? 'latest', ref.digest, shown, lease);
  const target: Descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.size };
  if (top.parsed.kind === 'manifest') return { target, manifestDigest: top.digest, manifest: top.parsed.manifest };
  const chosen = selectManifest(top.parsed.index.manifests, platform, `image ${shown}`);
  const inner = await fetchManifest(store, client, ref, chosen.digest, chosen.digest, `${shown} (${formatPlatform(platform)})`, lease, chosen.size);
  if (inner.parsed.kind !== 'manifest') throw new HostpodError('ERR_HOSTPOD_IMAGE_FORMAT', `image ${shown}: the index entry for ${formatPlatform(platform)} is another index`, { hint: 'nested indexes are not supported' });
  return { target, manifestDigest: inner.digest, manifest: inner.parsed.manifest };
}

async function fetchManifest(store: ImageStore, client: RegistryClient, ref: ImageReference, reference: string, expectedDigest: string | undefined, shown: string, lease: Lease, expectedSize?: number) {
  if (expectedDigest !== undefined && store.content.has(expectedDigest)) {
    // Pinned by digest and already here: no need to ask the registry.
    await store.protect(lease, [expectedDigest]);
    if (store.content.has(expectedDigest)) {
      const bytes = store.content.read(expectedDigest);
      const parsed = parseManifestOrIndex(bytes, '', `manifest ${expectedDigest} of ${shown}`);
      const mediaType = parsed.kind === 'index' ? parsed.index.mediaType : parsed.manifest.mediaType;
      return { digest: expectedDigest, size: bytes.length, mediaType, parsed };
    }
  }
  const fetched = await client.manifest(ref.repository, reference, shown);
  const digest = sha256(fetched.bytes);
  const what = `manifest of ${shown}`;
  if (expectedDigest !== undefined && digest !== expectedDigest) {
    throw new HostpodError('ERR_HOSTPOD_BLOB_INVALID', `${what}: the registry served content with digest ${digest}, not the requested ${expectedDigest}`, { hint: 'the registry served corrupted or substituted content; nothing was stored' });
  }
  if (expectedSize !== undefined && fetched.bytes.length !== expectedSize) {
    throw new HostpodError('ERR_HOSTPOD_BLOB_INVALID', `${what}: expected ${expectedSize} bytes, got ${fetched.bytes.length}`, { hint: 'the registry served corrupted content; nothing was stored' });
  }
  if (fetched.announcedDigest !== undefined && fetched.announcedDigest.startsWith('sha256:') && fetched.announcedDigest !== digest) {
    throw new HostpodError('ERR_HOSTPOD_BLOB_INVALID', `${what}: the registry announced digest ${fetched.announcedDigest}, and the content has ${digest}`, { hint: 'the registry served corrupted content; nothing was stored' });
  }
  const parsed = parseManifestOrIndex(fetched.bytes, fetched.mediaType, what);
  await store.protect(lease, [digest]);
  store.content.writeBuffer(fetched.bytes, { digest, size: fetched.bytes.length }, 'manifest');
  const mediaType = parsed.kind === 'index' ? parsed.index.mediaType : parsed.manifest.mediaType;
  return { digest, size: fetched.bytes.length, mediaType, parsed };
}

async function fetchConfig(store: ImageStore, client: RegistryClient, ref: ImageReference, manifest: Manifest, lease: Lease, progress: PullProgress): Promise<ImageConfig> {
  const descriptor = manifest.config;
  const what = `config of ${ref.canonical}`;
  await store.protect(lease, [descriptor.digest]);
  if (!store.content.has(descriptor.digest)) {
    const bytes = await withRetries(
      client.retryPolicy,
      async () => readBody(await client.blob(ref.repository, descriptor.digest, ref.canonical), 16 << 20),
      (error, delay) => progress.retrying?.(`config ${descriptor.digest}`, error, delay),
    );
    store.content.writeBuffer(bytes, descriptor, what);
  }
  return parseConfig(store.content.read(descriptor.digest), what);
}

async function fetchLayers(store: ImageStore, client: RegistryClient, ref: ImageReference, manifest: Manifest, lease: Lease, concurrency: number, progress: PullProgress): Promise<void> {
  const queue = manifest.layers.map((layer, index) => ({ layer, index }));
  const worker = async (): Promise<void> => {
    try {
      await download();
    } catch (error) {
      // One layer failed: the pull fails, so the others need not be fetched.
      queue.length = 0;
      throw error;
    }
  };
  const download = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const { layer, index } = next;
      await store.protect(lease, [layer.digest]);
      const state = await store.locks.with(`blob-${hexOf(layer.digest)}`, async () => {
        if (store.content.has(layer.digest)) return 'exists' as const;
        progress.layerStart?.(layer, index);
        await withRetries(
          client.retryPolicy,
          async () => {
            const response = await client.blob(ref.repository, layer.digest, ref.canonical);
            await store.content.writeStream(response, layer, `layer ${index + 1}/${manifest.layers.length} of ${ref.canonical}`, (n) => progress.layerBytes?.(layer, n));
          },
          (error, delay) => progress.retrying?.(`layer ${layer.digest}`, error, delay),
        );
        return 'downloaded' as const;
      });
      progress.layerDone?.(layer, state);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, () => worker());
  const results = await Promise.allSettled(workers);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

