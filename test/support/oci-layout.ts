// Builds OCI image layouts on disk for tests to push (with skopeo) into a real registry.
// Everything is deterministic: the same inputs give the same digests.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { Header } from 'tar-stream';

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

const REF_NAME = 'org.opencontainers.image.ref.name';
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
// A fixed mtime keeps layer digests stable across runs.
const FIXED_MTIME = new Date('2020-01-01T00:00:00Z');

export type LayerEntryType = 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';

export interface LayerEntry {
  /** Written verbatim: `..`, absolute paths and whiteouts are kept as given. */
  name: string;
  type?: LayerEntryType;
  content?: string | Buffer;
  linkname?: string;
  /** tar-stream treats 0 as unset and writes the default (0o644, or 0o755 for directories). */
  mode?: number;
  uid?: number;
  gid?: number;
  devmajor?: number;
  devminor?: number;
  mtime?: Date;
}

export type LayerCompression = 'gzip' | 'none' | 'zstd';

export interface ImageSpec {
  layers: Array<{ tar: Buffer; compression?: LayerCompression }>;
  /** Merged over the default linux config; its `config` member is merged over the default `config` too. */
  config?: Record<string, unknown>;
  architecture?: string;
  os?: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface WrittenImage {
  manifestDigest: string;
  manifestSize: number;
  configDigest: string;
  layerDigests: string[];
  diffIds: string[];
}

export interface WrittenIndex {
  indexDigest: string;
  manifests: Array<WrittenImage & { platform: Platform }>;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** An uncompressed tar stream holding `entries` in order. */
export async function tarLayer(entries: readonly LayerEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  try {
    for (const entry of entries) await addEntry(pack, entry);
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    await collected.catch(() => undefined);
    throw err;
  }
  await collected;
  return Buffer.concat(chunks);
}

async function addEntry(pack: tar.Pack, entry: LayerEntry): Promise<void> {
  const type = entry.type ?? 'file';
  const header: Partial<Header> & Pick<Header, 'name'> = {
    name: entry.name,
    type,
    mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
    uid: entry.uid ?? 0,
    gid: entry.gid ?? 0,
    mtime: entry.mtime ?? FIXED_MTIME,
    linkname: entry.linkname,
    devmajor: entry.devmajor,
    devminor: entry.devminor,
  };
  if (type !== 'file' && entry.content !== undefined) {
    throw new Error(`tar entry ${entry.name}: only files have content (use linkname for links)`);
  }
  return new Promise((resolve, reject) => {
    const sink = pack.entry(header, entry.content ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    sink.on('error', reject);
  });
}

/**
 * Writes one image (config, layers, manifest) into the OCI layout at `dir` and tags it in index.json.
 * Calling it again on the same dir adds to index.json; an existing entry with the same tag is replaced.
 */
export async function writeOciLayout(dir: string, image: ImageSpec, tag = 'latest'): Promise<WrittenImage> {
  await initLayout(dir);
  const written = await writeImage(dir, image);
  await addToIndex(dir, { mediaType: MEDIA_TYPES.manifest, digest: written.manifestDigest, size: written.manifestSize }, tag);
  return written;
}

/** Writes a multi-platform image index into the OCI layout at `dir` and tags it in index.json. */
export async function writeOciIndex(
  dir: string,
  platforms: ReadonlyArray<Platform & { image: Omit<ImageSpec, 'os' | 'architecture' | 'variant'> }>,
  tag = 'latest',
): Promise<WrittenIndex> {
  await initLayout(dir);
  const manifests: WrittenIndex['manifests'] = [];
  for (const { image, ...platform } of platforms) {
    const written = await writeImage(dir, { ...image, ...platform });
    manifests.push({ ...written, platform });
  }
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: manifests.map((m) => ({
      mediaType: MEDIA_TYPES.manifest,
      digest: m.manifestDigest,
      size: m.manifestSize,
      platform: m.platform,
    })),
  };
  const indexBlob = await writeJsonBlob(dir, index);
  await addToIndex(dir, { mediaType: MEDIA_TYPES.index, ...indexBlob }, tag);
  return { indexDigest: indexBlob.digest, manifests };
}

async function initLayout(dir: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
}

async function writeImage(dir: string, image: ImageSpec): Promise<WrittenImage> {
  const layers: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const layer of image.layers) {
    const compression = layer.compression ?? 'gzip';
    const blob = await compress(layer.tar, compression);
    layers.push({ mediaType: layerMediaType(compression), ...(await writeBlob(dir, blob)) });
    diffIds.push(sha256(layer.tar));
  }
  const config = await writeJsonBlob(dir, imageConfig(image, diffIds));
  const manifest = await writeJsonBlob(dir, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: { mediaType: MEDIA_TYPES.config, ...config },
    layers,
  });
  return {
    manifestDigest: manifest.digest,
    manifestSize: manifest.size,
    configDigest: config.digest,
    layerDigests: layers.map((l) => l.digest),
    diffIds,
  };
}

function imageConfig(image: ImageSpec, diffIds: string[]): Record<string, unknown> {
  const defaults = {
    architecture: image.architecture ?? 'amd64',
    os: image.os ?? 'linux',
    ...(image.variant === undefined ? {} : { variant: image.variant }),
    // A Linux default PATH, as builders set it; Windows images leave PATH to the OS (buildkit #5445).
    config: image.os === 'windows' ? {} : { Env: [DEFAULT_PATH] },
    rootfs: { type: 'layers', diff_ids: diffIds },
  };
  const overrides = image.config ?? {};
  const innerOverride = isRecord(overrides.config) ? overrides.config : {};
  return { ...defaults, ...overrides, config: { ...defaults.config, ...innerOverride } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function layerMediaType(compression: LayerCompression): string {
  switch (compression) {
    case 'gzip':
      return MEDIA_TYPES.layerGzip;
    case 'zstd':
      return MEDIA_TYPES.layerZstd;
    case 'none':
      return MEDIA_TYPES.layer;
  }
}

async function compress(data: Buffer, compression: LayerCompression): Promise<Buffer> {
  switch (compression) {
    case 'gzip':
      return gzipSync(data);
    case 'zstd':
      return runFilter('zstd', ['-q', '-c', '-'], data);
    case 'none':
      return data;
  }
}

/** Pipes `input` through a command and returns its stdout. */
function runFilter(command: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${command} exited with ${code}: ${Buffer.concat(err).toString()}`));
    });
    child.stdin.end(input);
  });
}

async function writeBlob(dir: string, data: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(data);
  await writeFile(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), data);
  return { digest, size: data.length };
}

function writeJsonBlob(dir: string, value: unknown): Promise<{ digest: string; size: number }> {
  return writeBlob(dir, Buffer.from(JSON.stringify(value)));
}

interface IndexJson {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
}

async function addToIndex(dir: string, descriptor: Descriptor, tag: string): Promise<void> {
  const path = join(dir, 'index.json');
  const index = await readIndex(path);
  const others = index.manifests.filter((m) => m.annotations?.[REF_NAME] !== tag);
  index.manifests = [...others, { ...descriptor, annotations: { [REF_NAME]: tag } }];
  await writeFile(path, JSON.stringify(index));
}

async function readIndex(path: string): Promise<IndexJson> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as IndexJson;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests: [] };
    throw err;
  }
}
