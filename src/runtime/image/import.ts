/**
 * `hostpod image import`: images from a `docker save` tarball, an OCI image-layout tarball
 * (what `hostpod image export`, `skopeo copy ... oci-archive:` and `docker save` since 25 write)
 * or an OCI image-layout directory. Every blob is verified against its digest before the image
 * is recorded; layers are unpacked as for a pull.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { HostpodError } from '../../errors.js';
import { hexOf, sha256 } from './digest.js';
import { MediaType, parseConfig, parseManifestOrIndex, type Descriptor, type Manifest, type Platform } from './oci.js';
import { hostPlatform, selectManifest } from './platform.js';
import type { ImageRecord, Lease } from './records.js';
import { parseReference } from './reference.js';
import { checkImageConfig, type ImageStore, type UnpackProgress } from './store.js';

export interface ImportOptions {
  /** The name for an image the archive does not name (or the repository for a bare tag). */
  name?: string;
  platform?: Platform;
  progress?: UnpackProgress;
}

/** An archive's files: small JSON files in memory, everything else already in the content store. */
interface Archive {
  json: Map<string, Buffer>;
  blobs: Map<string, { digest: string; size: number }>;
  what: string;
  /** For a layout directory: blobs are read from it when needed. */
  dir?: string;
}

const JSON_LIMIT = 16 << 20;

/** Imports from a path (tarball or OCI layout directory) or `-` for a tarball on stdin. */
export async function importImages(store: ImageStore, source: string, stdin: Readable, options: ImportOptions = {}): Promise<ImageRecord[]> {
  const lease = store.beginLease(`import:${source}`);
  try {
    if (source !== '-' && !existsSync(source)) {
      throw new HostpodError('ERR_HOSTPOD_IMPORT', `cannot import ${source}: no such file or directory`, { hint: 'give a docker save or OCI layout tarball, an OCI layout directory, or - for stdin' });
    }
    const archive = source !== '-' && statSync(source).isDirectory() ? readLayoutDirectory(source) : await readTarball(store, source === '-' ? stdin : createReadStream(source, { highWaterMark: 1 << 20 }), source === '-' ? 'stdin' : source, lease);
    // Docker 25+ and hostpod write both an OCI layout and manifest.json: the layout is preferred,
    // as it keeps the original manifests and names every blob by its digest.
    const dockerSave = archive.json.has('manifest.json') && !archive.json.has('index.json');
    const images = dockerSave ? await fromDockerSave(store, archive, options, lease) : await fromOciLayout(store, archive, options, lease);
    // Every image's blobs are checked before any image is recorded: all or nothing.
    for (const image of images) await ensureBlobs(store, archive, dockerSave, image, lease);
    const records: ImageRecord[] = [];
    for (const image of images) records.push(...(await commit(store, image, lease, options)));
    return records;
  } finally {
    store.endLease(lease);
  }
}

function importError(what: string, message: string, hint?: string): HostpodError {
  return new HostpodError('ERR_HOSTPOD_IMPORT', `${what}: ${message}`, { hint: hint ?? 'the archive is not a complete docker save or OCI image layout; re-create it' });
}

async function readTarball(store: ImageStore, input: Readable, what: string, lease: Lease): Promise<Archive> {
  const archive: Archive = { json: new Map(), blobs: new Map(), what };
  const links = new Map<string, string>();
  const extract = tar.extract();
  input.on('error', (error) => extract.destroy(error));
  input.pipe(extract);
  try {
    for await (const entry of extract) {
      const name = posix.normalize(entry.header.name).replace(/^(\.\/|\/)+/, '').replace(/\/$/, '');
      if (entry.header.type === 'symlink' || entry.header.type === 'link') {
        const target = entry.header.type === 'symlink' ? posix.join(posix.dirname(name), entry.header.linkname) : posix.normalize(entry.header.linkname);
        links.set(name, target);
      }
      if (entry.header.type !== 'file' && entry.header.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      if (name.endsWith('.json') || name === 'oci-layout' || name === 'repositories') {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of entry as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > JSON_LIMIT) throw importError(what, `${name} is larger than ${JSON_LIMIT} bytes`);
          chunks.push(chunk);
        }
        const bytes = Buffer.concat(chunks);
        archive.json.set(name, bytes);
        const digest = sha256(bytes);
        await store.protect(lease, [digest]);
        store.content.writeBuffer(bytes);
        archive.blobs.set(name, { digest, size: bytes.length });
        continue;
      }
      const written = await store.content.writeStream(entry as AsyncIterable<Buffer>, undefined, `${what}: ${name}`, undefined, (digest) => store.protect(lease, [digest]));
      archive.blobs.set(name, written);
    }
  } catch (error) {
    if (error instanceof HostpodError) throw error;
    throw importError(what, `not a readable tar archive (${(error as Error).message})`, 'give a tarball written by docker save, skopeo, podman or hostpod image export, or an OCI layout directory');
  }
  for (const [alias, target] of links) {
    const blob = archive.blobs.get(target);
    if (blob) archive.blobs.set(alias, blob);
    const json = archive.json.get(target);
    if (json) archive.json.set(alias, json);
  }
  return archive;
}

/** An OCI layout directory: only the blobs its images reference are read. */
function readLayoutDirectory(dir: string): Archive {
  const archive: Archive = { json: new Map(), blobs: new Map(), what: dir, dir };
  for (const name of ['oci-layout', 'index.json', 'manifest.json']) {
    const path = join(dir, name);
    if (existsSync(path)) archive.json.set(name, readFileSync(path));
  }
  if (!archive.json.has('index.json')) throw importError(dir, 'it has no index.json', 'an OCI image layout directory holds oci-layout, index.json and blobs/');
  return archive;
}

interface PendingImage {
  names: string[];
  target: Descriptor;
  manifestDigest: string;
  manifest: Manifest;
}

/** Makes sure the blob `digest` of the archive is in the content store, verified. */
async function need(store: ImageStore, archive: Archive, digest: string, lease: Lease, size?: number): Promise<void> {
  await store.protect(lease, [digest]);
  const dir = archive.dir;
  const name = `blobs/sha256/${hexOf(digest)}`;
  if (dir !== undefined) {
    const path = join(dir, name);
    if (!existsSync(path)) {
      if (store.content.has(digest)) return;
      throw importError(archive.what, `blob ${digest} is referenced but ${name} is missing`);
    }
    await store.content.writeStream(createReadStream(path, { highWaterMark: 1 << 20 }), size === undefined ? { digest } : { digest, size }, `${archive.what}: ${name}`);
    return;
  }
  const blob = archive.blobs.get(name);
  if (blob === undefined) {
    if (store.content.has(digest)) return;
    throw importError(archive.what, `blob ${digest} is referenced but ${name} is not in the archive`);
  }
  if (blob.digest !== digest) throw new HostpodError('ERR_HOSTPOD_BLOB_INVALID', `${archive.what}: ${name} has digest ${blob.digest}: the file is corrupted`, { hint: 're-create the archive; nothing was imported' });
  if (size !== undefined && blob.size !== size) throw new HostpodError('ERR_HOSTPOD_BLOB_INVALID', `${archive.what}: ${name} has ${blob.size} bytes, and its descriptor says ${size}`, { hint: 're-create the archive; nothing was imported' });
}

async function fromOciLayout(store: ImageStore, archive: Archive, options: ImportOptions, lease: Lease): Promise<PendingImage[]> {
  const indexBytes = archive.json.get('index.json');
  if (!indexBytes) throw importError(archive.what, 'it has neither manifest.json (docker save) nor index.json (OCI layout)', 'give a tarball written by docker save, skopeo, podman or hostpod image export');
  const layoutVersion = archive.json.get('oci-layout');
  if (layoutVersion && !String(layoutVersion).includes('imageLayoutVersion')) throw importError(archive.what, 'oci-layout is not an OCI layout marker');
  const parsed = parseManifestOrIndex(indexBytes, MediaType.ociIndex, `${archive.what}: index.json`);
  if (parsed.kind !== 'index') throw importError(archive.what, 'index.json is not an image index');
  const entries = parsed.index.manifests;
  if (entries.length === 0) throw importError(archive.what, 'index.json lists no images');
  // One after another: every entry is checked before anything is recorded.
  const images: PendingImage[] = [];
  for (const [i, entry] of entries.entries()) {
    const names = namesFor(entry, options, entries.length, `${archive.what}: index.json manifests[${i}]`);
    images.push({ names, ...(await resolveEntry(store, archive, entry, options, lease)) });
  }
  return images;
}

function namesFor(entry: Descriptor, options: ImportOptions, count: number, what: string): string[] {
  const full = entry.annotations?.['io.containerd.image.name'];
  const refName = entry.annotations?.['org.opencontainers.image.ref.name'];
  if (options.name !== undefined && count === 1) {
    const given = parseReference(options.name);
    // `--name repo` with an entry tagged `v1` means repo:v1; an explicit tag in --name wins.
    if (refName && !/[/:@]/.test(refName) && !hasExplicitTag(options.name)) return [parseReference(`${given.name}:${refName}`).canonical];
    return [given.canonical];
  }
  if (full) return [parseReference(full).canonical];
  if (refName && /[/:@]/.test(refName)) return [parseReference(refName).canonical];
  if (refName && options.name !== undefined) return [parseReference(`${parseReference(options.name).name}:${refName}`).canonical];
  throw importError(what, refName ? `the image is tagged "${refName}" without a repository` : 'the image has no name', 'pass --name REPOSITORY[:TAG] to name it');
}

async function resolveEntry(store: ImageStore, archive: Archive, entry: Descriptor, options: ImportOptions, lease: Lease): Promise<Omit<PendingImage, 'names'>> {
  await need(store, archive, entry.digest, lease, entry.size);
  const parsed = parseManifestOrIndex(store.content.read(entry.digest), entry.mediaType, `${archive.what}: ${entry.digest}`);
  if (parsed.kind === 'manifest') return { target: entry, manifestDigest: entry.digest, manifest: parsed.manifest };
  const chosen = selectManifest(parsed.index.manifests, options.platform ?? hostPlatform(), `${archive.what}: index ${entry.digest}`);
  await need(store, archive, chosen.digest, lease, chosen.size);
  const inner = parseManifestOrIndex(store.content.read(chosen.digest), chosen.mediaType, `${archive.what}: ${chosen.digest}`);
  if (inner.kind !== 'manifest') throw importError(archive.what, `${chosen.digest} is a nested index, which is not supported`);
  return { target: { mediaType: entry.mediaType, digest: entry.digest, size: entry.size }, manifestDigest: chosen.digest, manifest: inner.manifest };
}

function hasExplicitTag(reference: string): boolean {
  const withoutDigest = reference.split('@')[0] ?? '';
  return withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1).includes(':');
}

interface DockerSaveEntry {
  Config?: unknown;
  RepoTags?: unknown;
  Layers?: unknown;
}

async function fromDockerSave(store: ImageStore, archive: Archive, options: ImportOptions, lease: Lease): Promise<PendingImage[]> {
  let entries: DockerSaveEntry[];
  try {
    entries = JSON.parse((archive.json.get('manifest.json') as Buffer).toString('utf8')) as DockerSaveEntry[];
  } catch (error) {
    throw importError(archive.what, `manifest.json is not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(entries) || entries.length === 0) throw importError(archive.what, 'manifest.json lists no images');
  const images: PendingImage[] = [];
  for (const [i, entry] of entries.entries()) {
    const what = `${archive.what}: manifest.json[${i}]`;
    if (typeof entry.Config !== 'string') throw importError(what, 'Config is missing');
    if (!Array.isArray(entry.Layers) || entry.Layers.some((l) => typeof l !== 'string')) throw importError(what, 'Layers is not a list of file names');
    const tags = Array.isArray(entry.RepoTags) ? entry.RepoTags.filter((t): t is string => typeof t === 'string') : [];
    const configBlob = archive.blobs.get(posix.normalize(entry.Config));
    if (!configBlob) throw importError(what, `its config ${entry.Config} is not in the archive`);
    const configBytes = store.content.read(configBlob.digest);
    const layers: Descriptor[] = (entry.Layers as string[]).map((file) => {
      const blob = archive.blobs.get(posix.normalize(file));
      if (!blob) throw importError(what, `its layer ${file} is not in the archive`);
      return { mediaType: dockerLayerType(store, blob.digest), digest: blob.digest, size: blob.size };
    });
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config: { mediaType: MediaType.dockerConfig, digest: configBlob.digest, size: configBlob.size },
      layers,
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    const manifestDigest = sha256(manifestBytes);
    await store.protect(lease, [manifestDigest]);
    store.content.writeBuffer(manifestBytes);
    let names: string[];
    if (tags.length > 0) names = tags.map((t) => parseReference(t).canonical);
    else if (options.name !== undefined) names = [parseReference(options.name).canonical];
    else throw importError(what, `the image (ID ${hexOf(sha256(configBytes)).slice(0, 12)}) has no RepoTags`, 'pass --name REPOSITORY[:TAG] to name it');
    images.push({ names, target: { mediaType: MediaType.dockerManifest, digest: manifestDigest, size: manifestBytes.length }, manifestDigest, manifest });
  }
  return images;
}

/** docker save writes layers uncompressed, but some tools gzip them: the first bytes tell. */
function dockerLayerType(store: ImageStore, digest: string): string {
  const head = store.content.head(digest, 4);
  if (head[0] === 0x1f && head[1] === 0x8b) return MediaType.dockerLayerGzip;
  if (head.length === 4 && head.readUInt32LE(0) === 0xfd2fb528) return MediaType.ociLayerZstd;
  return MediaType.dockerLayer;
}

/** Makes sure the config and layers of `image` are in the content store, verified. */
async function ensureBlobs(store: ImageStore, archive: Archive, dockerSave: boolean, image: PendingImage, lease: Lease): Promise<void> {
  const { manifest } = image;
  await store.protect(lease, [image.target.digest, image.manifestDigest]);
  for (const d of [manifest.config, ...manifest.layers]) {
    if (!dockerSave) await need(store, archive, d.digest, lease, d.size);
    else await store.protect(lease, [d.digest]);
    if (!store.content.has(d.digest)) throw importError(image.names[0] ?? 'image', `blob ${d.digest} is missing from the archive`);
  }
}

async function commit(store: ImageStore, image: PendingImage, lease: Lease, options: ImportOptions): Promise<ImageRecord[]> {
  const { manifest } = image;
  const what = image.names[0] ?? image.manifestDigest;
  const config = parseConfig(store.content.read(manifest.config.digest), `config of ${what}`);
  checkImageConfig(config, manifest, options.platform ?? hostPlatform(), what);
  return store.commit({ ...image, config, source: 'import' }, options.progress ?? {}, lease);
}
