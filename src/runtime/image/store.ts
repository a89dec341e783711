/**
 * The image store under `<data-dir>/images/`: content (blobs by digest), snapshots (unpacked
 * layer chains), image records and leases. Pull and import put content in; this class unpacks
 * it, records images, finds them by name or ID, and removes what nothing references.
 *
 *   images/content/blobs/sha256/<hex>   images/snapshots/<chain hex>/{rootfs,info.json}
 *   images/images.json                  images/leases/<id>.json     images/locks/
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { HostpodError } from '../../errors.js';
import { ContentStore } from './content-store.js';
import { decompressor } from './decompress.js';
import { DigestingStream, hexOf, shortId } from './digest.js';
import { Locks } from './locks.js';
import { isIndexType, layerCompression, parseConfig, parseManifestOrIndex, type Descriptor, type ImageConfig, type Manifest, type Platform } from './oci.js';
import { formatPlatform, platformMatches } from './platform.js';
import { Records, leaseIsStale, type ImageRecord, type Lease, type LayerRecord } from './records.js';
import { parseReference, type ImageReference } from './reference.js';
import { chainIds, Snapshots } from './snapshots.js';
import { applyLayer, type SkippedEntry } from './unpack.js';

const STALE_TEMP_MS = 60 * 60 * 1000;

export interface UnpackProgress {
  unpacking?(layer: LayerRecord, index: number, count: number): void;
  unpacked?(layer: LayerRecord, skipped: readonly SkippedEntry[]): void;
}

/** An image whose blobs are all in the content store, ready to be unpacked and recorded. */
export interface ResolvedImage {
  /** The full references to record it under. */
  names: readonly string[];
  target: Descriptor;
  manifestDigest: string;
  manifest: Manifest;
  config: ImageConfig;
  source: ImageRecord['source'];
  otherBlobs?: string[];
}

/** The platform an image config declares. */
export function configPlatform(config: ImageConfig): Platform {
  return { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
}

/** Checks that a config belongs to its manifest and is for the platform `want`. */
export function checkImageConfig(config: ImageConfig, manifest: Manifest, want: Platform, what: string): void {
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new HostpodError('ERR_HOSTPOD_IMAGE_FORMAT', `image ${what}: the manifest has ${manifest.layers.length} layers and the config lists ${config.rootfs.diff_ids.length} diff IDs`, {
      hint: 'the manifest and config do not belong together; rebuild or re-push the image',
    });
  }
  const have = configPlatform(config);
  if (!platformMatches(want, have)) {
    throw new HostpodError('ERR_HOSTPOD_IMAGE_PLATFORM', `image ${what} is for ${formatPlatform(have)}, and this host runs ${formatPlatform(want)}`, {
      hint: have.os !== 'linux' ? 'hostpod runs Linux images: build the workload image for Linux' : `build the image for ${formatPlatform(want)} (or an index that includes it)`,
    });
  }
}

export interface GcResult {
  blobs: number;
  snapshots: number;
  bytes: number;
  images: string[];
}

export class ImageStore {
  readonly root: string;
  readonly content: ContentStore;
  readonly snapshots: Snapshots;
  readonly records: Records;
  readonly locks: Locks;
  readonly asRoot = process.getuid?.() === 0;

  constructor(readonly dataDir: string) {
    this.root = join(dataDir, 'images');
    // Images are root's (their layers may hold what a private registry guards): no one else reads them.
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    this.content = new ContentStore(join(this.root, 'content'));
    this.snapshots = new Snapshots(join(this.root, 'snapshots'));
    this.records = new Records(this.root);
    this.locks = new Locks(join(this.root, 'locks'));
  }

  list(): ImageRecord[] {
    return this.records.images();
  }

  /**
   * The image a user means: a reference (normalized: `busybox` is docker.io/library/busybox:latest),
   * `name@digest` matching a pulled tag, or an image ID (full, or a prefix of at least 4 hex digits).
   */
  find(query: string): ImageRecord | undefined {
    const images = this.list();
    const id = query.startsWith('sha256:') ? query.slice(7) : query;
    if (/^[a-f0-9]{4,64}$/.test(id)) {
      const byId = images.filter((i) => hexOf(i.config).startsWith(id));
      if (byId.length === 1) return byId[0];
      if (byId.length > 1 && new Set(byId.map((i) => i.config)).size === 1) return byId[0];
      if (byId.length > 1) throw new HostpodError('ERR_HOSTPOD_IMAGE_AMBIGUOUS', `image ID prefix "${id}" matches ${byId.length} images`, { hint: 'give more digits of the ID, or the image name' });
    }
    let ref: ImageReference;
    try {
      ref = parseReference(query);
    } catch (error) {
      if (/^[a-f0-9]{4,64}$/.test(id)) return undefined;
      throw error;
    }
    const exact = images.find((i) => i.name === ref.canonical);
    if (exact) return exact;
    if (ref.digest !== undefined) return images.find((i) => parseReference(i.name).name === ref.name && (i.target.digest === ref.digest || i.manifest === ref.digest));
    return undefined;
  }

  get(query: string): ImageRecord {
    const found = this.find(query);
    if (found) return found;
    throw new HostpodError('ERR_HOSTPOD_IMAGE_NOT_FOUND', `image "${query}" is not in the store`, { hint: 'list images with hostpod image ls; pull it with hostpod image pull, or import it with hostpod image import' });
  }

  /** The unpacked root of an image (a read-only snapshot), or undefined for an image with no layers. */
  rootfs(image: ImageRecord): string | undefined {
    const ids = chainIds(image.layers.map((l) => l.diffId));
    const top = ids[ids.length - 1];
    return top === undefined ? undefined : this.snapshots.rootfs(top);
  }

  config(image: ImageRecord): ImageConfig {
    return parseConfig(this.content.read(image.config), `config of ${image.name}`);
  }

  /** Reads a manifest that is in the store (after a pull or import). */
  manifest(digest: string, mediaType: string, what: string): Manifest {
    const parsed = parseManifestOrIndex(this.content.read(digest), mediaType, what);
    if (parsed.kind !== 'manifest') throw new HostpodError('ERR_HOSTPOD_IMAGE_FORMAT', `${what}: expected a manifest, found an index`);
    return parsed.manifest;
  }

  /**
   * Unpacks each layer chain of an image that is not unpacked yet, in order, once across
   * processes. The layer blobs must be in the content store.
   */
  async unpack(layers: readonly LayerRecord[], what: string, progress: UnpackProgress = {}, lease?: Lease): Promise<number> {
    const ids = chainIds(layers.map((l) => l.diffId));
    if (lease) await this.protect(lease, [], ids);
    let unpackedSize = 0;
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i] as LayerRecord;
      const chainId = ids[i] as string;
      const parent = i === 0 ? undefined : ids[i - 1];
      const info = await this.locks.with(`snapshot-${hexOf(chainId)}`, async () => {
        if (this.snapshots.has(chainId)) return this.snapshots.info(chainId);
        progress.unpacking?.(layer, i, layers.length);
        const created = await this.snapshots.create(chainId, parent, layer.diffId, (rootfs) => this.applyLayerBlob(rootfs, layer, `layer ${i + 1}/${layers.length} (${layer.digest}) of ${what}`));
        progress.unpacked?.(layer, created.skipped);
        return created;
      });
      unpackedSize += info.bytes;
    }
    return unpackedSize;
  }

  private async applyLayerBlob(rootfs: string, layer: LayerRecord, what: string): Promise<{ bytes: number; skipped: SkippedEntry[] }> {
    const compression = layerCompression(layer.mediaType);
    if (compression === undefined) {
      throw new HostpodError('ERR_HOSTPOD_IMAGE_FORMAT', `${what}: media type "${layer.mediaType}" is not a layer hostpod can unpack`, {
        hint: 'layers are tar archives, plain, gzip- or zstd-compressed (OCI or Docker schema 2 media types)',
      });
    }
    const tarStream = new DigestingStream({ highWaterMark: 1 << 20 });
    const source = this.content.stream(layer.digest);
    const decoding = pipeline(source, decompressor(compression, what), tarStream);
    let result;
    try {
      [result] = await Promise.all([applyLayer(rootfs, tarStream, { asRoot: this.asRoot }), decoding]);
    } catch (error) {
      source.destroy();
      tarStream.destroy();
      await decoding.catch(() => undefined);
      if (error instanceof HostpodError) throw new HostpodError(error.code as `ERR_HOSTPOD_${string}`, `${what}: ${error.message}`, { ...(error.hint ? { hint: error.hint } : {}), cause: error });
      throw new HostpodError('ERR_HOSTPOD_LAYER_CORRUPT', `${what}: ${(error as Error).message}`, { hint: 'the layer is not a readable tar archive; re-push or rebuild the image', cause: error });
    }
    const diffId = tarStream.digest();
    if (diffId !== layer.diffId) {
      throw new HostpodError('ERR_HOSTPOD_LAYER_CORRUPT', `${what}: its uncompressed content has digest ${diffId}, and the image config says ${layer.diffId}`, {
        hint: 'the image config and its layers do not belong together; rebuild or re-push the image',
      });
    }
    return { bytes: result.bytes, skipped: result.skipped };
  }

  /**
   * Unpacks an image whose blobs are in the store and records it under each of its names: the
   * last step of a pull, an import and the built-in image alike.
   */
  async commit(image: ResolvedImage, progress: UnpackProgress, lease: Lease): Promise<ImageRecord[]> {
    const { manifest, config } = image;
    const what = image.names[0] ?? image.manifestDigest;
    const layers: LayerRecord[] = manifest.layers.map((l, i) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: config.rootfs.diff_ids[i] as string }));
    const unpackedSize = await this.unpack(layers, what, progress, lease);
    const size = this.content.size(image.manifestDigest) + manifest.config.size + manifest.layers.reduce((sum, l) => sum + l.size, 0);
    const records: ImageRecord[] = [];
    for (const name of image.names) {
      const record: ImageRecord = {
        name,
        target: image.target,
        manifest: image.manifestDigest,
        config: manifest.config.digest,
        platform: configPlatform(config),
        layers,
        size,
        unpackedSize,
        ...(config.created ? { created: config.created } : {}),
        stored: new Date().toISOString(),
        source: image.source,
        ...(image.otherBlobs && image.otherBlobs.length > 0 ? { otherBlobs: image.otherBlobs } : {}),
      };
      await this.record(record);
      records.push(record);
    }
    return records;
  }

  /** Records `image` under its name, replacing what the name pointed at before. */
  async record(image: ImageRecord): Promise<void> {
    await this.locks.with('records', async () => {
      const images = this.list().filter((i) => i.name !== image.name);
      images.push(image);
      this.records.save(images);
      return Promise.resolve();
    });
  }

  /** Starts a lease that keeps content alive while a pull or import runs. */
  beginLease(image: string): Lease {
    const lease: Lease = { id: `pull-${process.pid}-${randomBytes(6).toString('hex')}`, pid: process.pid, image, blobs: [], snapshots: [], created: new Date().toISOString() };
    this.records.writeLease(lease);
    return lease;
  }

  /** Adds content to a lease, under the GC lock, so that a concurrent prune cannot take it. */
  async protect(lease: Lease, blobs: readonly string[], snapshots: readonly string[] = []): Promise<void> {
    await this.locks.with('gc', () => {
      for (const b of blobs) if (!lease.blobs.includes(b)) lease.blobs.push(b);
      for (const s of snapshots) if (!lease.snapshots.includes(s)) lease.snapshots.push(s);
      this.records.writeLease(lease);
      return Promise.resolve();
    });
  }

  endLease(lease: Lease): void {
    this.records.removeLease(lease.id);
  }

  /** A lease for a container using `image` (the runtime takes one per container). */
  leaseForContainer(id: string, image: ImageRecord): Lease {
    const lease: Lease = { id: `container-${id}`, image: image.name, ...referencedBy(image), created: new Date().toISOString() };
    this.records.writeLease(lease);
    return lease;
  }

  releaseContainer(id: string): void {
    this.records.removeLease(`container-${id}`);
  }

  /** Containers (leases) using the image `config` digest. */
  usersOf(image: ImageRecord): string[] {
    const top = chainIds(image.layers.map((l) => l.diffId)).at(-1);
    return this.records
      .leases()
      .filter((l) => l.pid === undefined && (l.blobs.includes(image.manifest) || (top !== undefined && l.snapshots.includes(top))))
      .map((l) => l.id.replace(/^container-/, ''));
  }

  /**
   * Removes the name `query` refers to. An image that a container uses keeps its last name
   * unless `force`; its content stays while the container lives either way.
   */
  async remove(query: string, force: boolean): Promise<{ removed: ImageRecord; gc: GcResult }> {
    const image = this.get(query);
    if (image.source === 'builtin' && !force) {
      throw new HostpodError('ERR_HOSTPOD_IMAGE_IN_USE', `image ${image.name} is built into hostpod`, { hint: 'it costs nothing to keep; it comes back on next use anyway. Pass --force to remove it' });
    }
    const others = this.list().filter((i) => i.name !== image.name && i.manifest === image.manifest);
    const users = this.usersOf(image);
    if (others.length === 0 && users.length > 0 && !force) {
      throw new HostpodError('ERR_HOSTPOD_IMAGE_IN_USE', `image ${image.name} (${shortId(image.config)}) is in use by container ${users.join(', ')}`, {
        hint: 'remove the container first, or pass --force to remove the name (the content stays until the container is gone)',
      });
    }
    await this.locks.with('records', () => {
      this.records.save(this.list().filter((i) => i.name !== image.name));
      return Promise.resolve();
    });
    return { removed: image, gc: await this.gc(false) };
  }

  /**
   * Removes content nothing references: blobs and snapshots of no image and no lease, stale pull
   * leases, and temporary files of writes that died. With `allImages`, images that no container
   * uses are removed first (built-in images excepted).
   */
  async gc(allImages: boolean): Promise<GcResult> {
    const trash: string[] = [];
    const result = await this.locks.with('gc', async () => {
      const result: GcResult = { blobs: 0, snapshots: 0, bytes: 0, images: [] };
      if (allImages) {
        await this.locks.with('records', () => {
          const keep = this.list().filter((i) => i.source === 'builtin' || this.usersOf(i).length > 0);
          result.images = this.list().filter((i) => !keep.includes(i)).map((i) => i.name);
          this.records.save(keep);
          return Promise.resolve();
        });
      }
      const blobs = new Set<string>();
      const snapshots = new Set<string>();
      // Leases first: a pull records its image before it ends its lease, so whatever it wrote
      // is seen in one place or the other.
      for (const lease of this.records.leases()) {
        if (leaseIsStale(lease)) {
          this.records.removeLease(lease.id);
          continue;
        }
        lease.blobs.forEach((b) => blobs.add(b));
        lease.snapshots.forEach((s) => snapshots.add(s));
      }
      for (const image of this.list()) {
        const refs = referencedBy(image);
        refs.blobs.forEach((b) => blobs.add(b));
        refs.snapshots.forEach((s) => snapshots.add(s));
      }
      for (const digest of this.content.list()) {
        if (blobs.has(digest)) continue;
        result.bytes += this.content.size(digest);
        this.content.delete(digest);
        result.blobs++;
      }
      for (const chainId of this.snapshots.list()) {
        if (snapshots.has(chainId)) continue;
        // Only moved aside under the lock; the (slow) deletion happens after it is released.
        trash.push(this.snapshots.moveAside(chainId));
        result.snapshots++;
      }
      this.content.cleanIngest(STALE_TEMP_MS);
      return Promise.resolve(result);
    });
    for (const dir of trash) await rm(dir, { recursive: true, force: true });
    await this.snapshots.cleanTmp(STALE_TEMP_MS);
    return result;
  }
}

/** The blobs and snapshots an image needs. */
export function referencedBy(image: ImageRecord): { blobs: string[]; snapshots: string[] } {
  const blobs = [image.manifest, image.config, ...image.layers.map((l) => l.digest), ...(image.otherBlobs ?? [])];
  if (isIndexType(image.target.mediaType) || image.target.digest !== image.manifest) blobs.push(image.target.digest);
  return { blobs, snapshots: chainIds(image.layers.map((l) => l.diffId)) };
}

