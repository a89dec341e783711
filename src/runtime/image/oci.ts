/**
 * The OCI image format (and Docker's schema 2, which it grew from): media types, descriptors,
 * manifests, indexes and configs, with checks that turn malformed JSON into errors naming the
 * field instead of crashes later on.
 */
import { HostpodError } from '../../errors.js';

export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  ociLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  ociLayerNondistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayerForeignGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
} as const;

/** What a registry is asked for when resolving a tag: every manifest and index type we read. */
export const MANIFEST_ACCEPT = [MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifestList, MediaType.dockerManifest].join(', ');

export type Compression = 'none' | 'gzip' | 'zstd';

/** How a layer of this media type is compressed, or undefined when it is not a layer we read. */
export function layerCompression(mediaType: string): Compression | undefined {
  switch (mediaType) {
    case MediaType.ociLayer:
    case MediaType.ociLayerNondistributable:
    case MediaType.dockerLayer:
      return 'none';
    case MediaType.ociLayerGzip:
    case MediaType.ociLayerNondistributableGzip:
    case MediaType.dockerLayerGzip:
    case MediaType.dockerLayerForeignGzip:
      return 'gzip';
    case MediaType.ociLayerZstd:
    case MediaType.ociLayerNondistributableZstd:
      return 'zstd';
    default:
      return undefined;
  }
}

export function isIndexType(mediaType: string): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList;
}

export function isManifestType(mediaType: string): boolean {
  return mediaType === MediaType.ociManifest || mediaType === MediaType.dockerManifest;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface Manifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** The parts of an image config that hostpod uses; the rest is kept as it came. */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    StopSignal?: string;
    Labels?: Record<string, string> | null;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: unknown[];
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && DIGEST.test(value);
}

function malformed(what: string, field: string, problem: string): HostpodError {
  return new HostpodError('ERR_HOSTPOD_IMAGE_FORMAT', `${what}: ${field} ${problem}`, {
    hint: 'the image was not written by a conforming tool; rebuild or re-push it',
  });
}

function parseJson(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw malformed(what, 'document', `is not JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw malformed(what, 'document', 'is not a JSON object');
  return value as Record<string, unknown>;
}

export function checkDescriptor(value: unknown, what: string, field: string): Descriptor {
  if (value === null || typeof value !== 'object') throw malformed(what, field, 'is not a descriptor object');
  const d = value as Record<string, unknown>;
  if (typeof d.mediaType !== 'string') throw malformed(what, `${field}.mediaType`, 'is missing');
  if (!isDigest(d.digest)) throw malformed(what, `${field}.digest`, `is ${JSON.stringify(d.digest)}, not sha256:<64 hex digits>`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw malformed(what, `${field}.size`, `is ${JSON.stringify(d.size)}, not a byte count`);
  }
  return d as unknown as Descriptor;
}

/**
 * Reads a manifest or an index. `mediaType` is what the registry or layout said it is; the
 * document's own `mediaType` field wins when present (OCI makes it optional).
 */
export function parseManifestOrIndex(bytes: Buffer, mediaType: string, what: string): { kind: 'index'; index: Index } | { kind: 'manifest'; manifest: Manifest } {
  const doc = parseJson(bytes, what);
  const type = typeof doc.mediaType === 'string' ? doc.mediaType : mediaType || (Array.isArray(doc.manifests) ? MediaType.ociIndex : MediaType.ociManifest);
  if (type === MediaType.dockerSchema1 || type === MediaType.dockerSchema1Signed || doc.schemaVersion === 1) {
    throw new HostpodError('ERR_HOSTPOD_IMAGE_FORMAT', `${what}: Docker schema 1 manifests are not supported`, {
      hint: 'schema 1 was retired in 2019: re-push the image with a current tool, which writes schema 2 or OCI',
    });
  }
  if (doc.schemaVersion !== 2) throw malformed(what, 'schemaVersion', `is ${JSON.stringify(doc.schemaVersion)}, not 2`);
  if (isIndexType(type)) {
    if (!Array.isArray(doc.manifests)) throw malformed(what, 'manifests', 'is not a list');
    const manifests = doc.manifests.map((m, i) => checkDescriptor(m, what, `manifests[${i}]`));
    return { kind: 'index', index: { ...(doc as object), schemaVersion: 2, mediaType: type, manifests } };
  }
  if (!isManifestType(type)) {
    throw new HostpodError('ERR_HOSTPOD_IMAGE_FORMAT', `${what}: media type "${type}" is not an image manifest or index`, {
      hint: 'hostpod runs OCI and Docker schema 2 images; artifacts such as Helm charts or signatures are not images',
    });
  }
  const config = checkDescriptor(doc.config, what, 'config');
  if (!Array.isArray(doc.layers)) throw malformed(what, 'layers', 'is not a list');
  const layers = doc.layers.map((l, i) => checkDescriptor(l, what, `layers[${i}]`));
  return { kind: 'manifest', manifest: { ...(doc as object), schemaVersion: 2, mediaType: type, config, layers } };
}

export function parseConfig(bytes: Buffer, what: string): ImageConfig {
  const doc = parseJson(bytes, what);
  const rootfs = doc.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (!rootfs || typeof rootfs !== 'object') throw malformed(what, 'rootfs', 'is missing');
  if (!Array.isArray(rootfs.diff_ids)) throw malformed(what, 'rootfs.diff_ids', 'is not a list');
  rootfs.diff_ids.forEach((id, i) => {
    if (!isDigest(id)) throw malformed(what, `rootfs.diff_ids[${i}]`, `is ${JSON.stringify(id)}, not sha256:<64 hex digits>`);
  });
  if (typeof doc.os !== 'string') throw malformed(what, 'os', 'is missing');
  if (typeof doc.architecture !== 'string') throw malformed(what, 'architecture', 'is missing');
  return doc as unknown as ImageConfig;
}
