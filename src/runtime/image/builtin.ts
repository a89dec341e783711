/**
 * The built-in HostProcess base image, `localhost/hostprocess-base:latest`: like Microsoft's
 * nearly empty HostProcess base image, it holds nothing, so a workload runs the host's own
 * binaries (`/bin/sh` where Windows runs `powershell.exe`). hostpod writes it into the store on
 * first use, with no registry; its bytes are fixed, so its ID is the same on every host of an
 * architecture.
 */
import { sha256 } from './digest.js';
import { MediaType, type ImageConfig, type Manifest } from './oci.js';
import { hostPlatform } from './platform.js';
import type { ImageRecord } from './records.js';
import type { ImageStore } from './store.js';

const REFERENCE = 'localhost/hostprocess-base:latest';
/** An empty tar archive: two 512-byte zero blocks. */
const EMPTY_LAYER = Buffer.alloc(1024);
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const builtinImage = { reference: REFERENCE } as const;

function canonicalJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** The image's blobs, built the same way every time. */
export function builtinBlobs(): { layer: Buffer; config: Buffer; manifest: Buffer; configJson: ImageConfig; manifestJson: Manifest } {
  const platform = hostPlatform();
  const configJson: ImageConfig = {
    architecture: platform.architecture,
    os: 'linux',
    ...(platform.variant ? { variant: platform.variant } : {}),
    created: '1970-01-01T00:00:00Z',
    config: { Env: [DEFAULT_PATH], Labels: { 'io.hostpod.image.builtin': 'hostprocess-base' } },
    rootfs: { type: 'layers', diff_ids: [sha256(EMPTY_LAYER)] },
    history: [{ created: '1970-01-01T00:00:00Z', created_by: 'hostpod: built-in HostProcess base image (empty)' }],
  };
  const config = canonicalJson(configJson);
  const manifestJson: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: sha256(config), size: config.length },
    layers: [{ mediaType: MediaType.ociLayer, digest: sha256(EMPTY_LAYER), size: EMPTY_LAYER.length }],
  };
  return { layer: EMPTY_LAYER, config, manifest: canonicalJson(manifestJson), configJson, manifestJson };
}

/** Writes the built-in image into `store` if it is not there, and returns its record. */
export async function ensureBuiltin(store: ImageStore): Promise<ImageRecord> {
  const existing = store.find(REFERENCE);
  const blobs = builtinBlobs();
  const manifestDigest = sha256(blobs.manifest);
  if (existing && existing.manifest === manifestDigest && store.content.has(manifestDigest) && store.rootfs(existing) !== undefined) return existing;
  const lease = store.beginLease(REFERENCE);
  try {
    await store.protect(lease, [manifestDigest, blobs.manifestJson.config.digest, sha256(blobs.layer)]);
    store.content.writeBuffer(blobs.layer);
    store.content.writeBuffer(blobs.config);
    store.content.writeBuffer(blobs.manifest);
    const target = { mediaType: MediaType.ociManifest, digest: manifestDigest, size: blobs.manifest.length };
    const [record] = await store.commit({ names: [REFERENCE], target, manifestDigest, manifest: blobs.manifestJson, config: blobs.configJson, source: 'builtin' }, {}, lease);
    return record as ImageRecord;
  } finally {
    store.endLease(lease);
  }
}
