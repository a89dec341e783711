/**
 * `hostpod image build`: an image from a build context and a Containerfile (the subset of
 * containerfile.ts), for one or more platforms, into the content store. FROM scratch starts
 * empty; FROM an image starts from its layers and config (from the store, or pulled for the
 * platform, as buildkit does). Each COPY or ADD is one reproducible layer (layer.ts); the other
 * instructions change the config and add a history entry. Several platforms make one OCI index.
 */
import { readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { HostpodError } from '../../../errors.js';
import { sha256 } from '../digest.js';
import { MediaType, type Descriptor, type ImageConfig, type Manifest, type Platform } from '../oci.js';
import { formatPlatform, hostPlatform, parsePlatform, platformMatches } from '../platform.js';
import { fetchImage, type PullOptions } from '../pull.js';
import type { Lease } from '../records.js';
import { parseReference } from '../reference.js';
import type { ImageStore } from '../store.js';
import { parseContainerfile, type Instruction } from './containerfile.js';
import { addArchive, addFromContext, contextPath, LayerContents, tarKind, writeLayer } from './layer.js';

export interface BuildOptions {
  context: string;
  /** The Containerfile's path. */
  file: string;
  buildArgs?: Record<string, string>;
  /** Platforms to build; default: FROM's --platform, else this host's. */
  platforms?: Platform[];
  /** os.version for Windows targets (else the base image's). */
  osVersion?: string;
  /** SOURCE_DATE_EPOCH: seconds, for the config's and history's created and every mtime. */
  epoch?: number;
  /** How a base image is pulled when it is not in the store. */
  pull?: Omit<PullOptions, 'platform'>;
  onStep?(message: string): void;
}

export interface BuiltManifest {
  platform: Platform & { 'os.version'?: string };
  descriptor: Descriptor;
  manifest: Manifest;
  config: ImageConfig;
}

export interface BuildResult {
  /** The manifest, or the index of several. */
  target: Descriptor;
  images: BuiltManifest[];
  warnings: string[];
  /** The base image's blobs and the reference they came from (a push can mount them from there). */
  baseBlobs: Map<string, string>;
}

/** Microsoft's base image for HostProcess containers: any Windows version, a few files and the hives. */
export const HOSTPROCESS_BASE = 'mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0';

type Config = ImageConfig & { 'os.version'?: string; config: NonNullable<ImageConfig['config']>; history: { created?: string; created_by?: string; empty_layer?: boolean; comment?: string }[] };

/** Builds the image for every platform; every blob is in the store and protected by `lease`. */
export async function buildImage(store: ImageStore, options: BuildOptions, lease: Lease): Promise<BuildResult> {
  const text = readFileSync(options.file, 'utf8');
  const parsed = parseContainerfile(text, options.file, options.buildArgs ?? {});
  const warnings = parsed.unusedBuildArgs.map((a) => `--build-arg ${a} was given, and ${options.file} declares no ARG ${a}`);
  const platforms = options.platforms ?? [parsed.from.platform !== undefined ? parsePlatform(parsed.from.platform) : hostPlatform()];
  const images: BuiltManifest[] = [];
  const baseBlobs = new Map<string, string>();
  for (const platform of platforms) {
    if (!isBuildTarget(platform)) {
      throw new HostpodError('ERR_HOSTPOD_BUILD', `platform ${formatPlatform(platform)} is not a target of hostpod image build`, { hint: 'build for linux/amd64, linux/arm64 or windows/amd64' });
    }
    images.push(await buildOne(store, options, parsed.from.image, parsed.instructions, platform, lease, baseBlobs, warnings));
  }
  if (images.length === 1) return { target: (images[0] as BuiltManifest).descriptor, images, warnings, baseBlobs };
  const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: images.map((i) => ({ ...i.descriptor, platform: i.platform })) };
  const bytes = Buffer.from(JSON.stringify(index));
  const digest = sha256(bytes);
  await store.protect(lease, [digest]);
  store.content.writeBuffer(bytes);
  return { target: { mediaType: MediaType.ociIndex, digest, size: bytes.length }, images, warnings, baseBlobs };
}

function isBuildTarget(p: Platform): boolean {
  return (p.os === 'linux' && (p.architecture === 'amd64' || p.architecture === 'arm64')) || (p.os === 'windows' && p.architecture === 'amd64');
}

async function base(store: ImageStore, image: string, platform: Platform, options: BuildOptions, lease: Lease): Promise<{ config: Config; layers: Descriptor[] }> {
  if (image === 'scratch') {
    return { config: { architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}), config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] }, layers: [] };
  }
  const ref = parseReference(image);
  const record = store.list().find((i) => i.name === ref.canonical && platformMatches(platform, i.platform));
  let manifest: Manifest;
  let config: ImageConfig;
  if (record && store.content.has(record.manifest)) {
    options.onStep?.(`FROM ${ref.canonical} (${formatPlatform(platform)}): from the store`);
    await store.protect(lease, [record.manifest, record.config, ...record.layers.map((l) => l.digest)]);
    manifest = store.manifest(record.manifest, '', ref.canonical);
    config = store.config(record);
  } else {
    options.onStep?.(`FROM ${ref.canonical} (${formatPlatform(platform)}): pulling`);
    ({ manifest, config } = await fetchImage(store, ref, platform, lease, options.pull ?? {}));
  }
  const c = structuredClone(config) as Config;
  c.config = c.config ?? {};
  c.history = c.history ?? [];
  // The result is an OCI manifest: a Docker base's layer types become their OCI names (same bytes), as buildkit writes them.
  return { config: c, layers: manifest.layers.map((l) => ({ ...l, mediaType: OCI_LAYER_TYPE[l.mediaType] ?? l.mediaType })) };
}

/** The PATH buildkit gives a linux image that names none (its system.DefaultPathEnv). */
const LINUX_DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const OCI_LAYER_TYPE: Record<string, string> = {
  [MediaType.dockerLayer]: MediaType.ociLayer,
  [MediaType.dockerLayerGzip]: MediaType.ociLayerGzip,
  [MediaType.dockerLayerForeignGzip]: MediaType.ociLayerNondistributableGzip,
};

async function buildOne(store: ImageStore, options: BuildOptions, from: string, instructions: readonly Instruction[], platform: Platform, lease: Lease, baseBlobs: Map<string, string>, warnings: string[]): Promise<BuiltManifest> {
  const windows = platform.os === 'windows';
  const { config, layers } = await base(store, from, platform, options, lease);
  if (from !== 'scratch') for (const l of layers) baseBlobs.set(l.digest, parseReference(from).canonical);
  const created = new Date((options.epoch ?? 0) * 1000).toISOString().replace('.000Z', 'Z');
  config.created = created;
  // As buildkit sets it: every linux stage has a PATH (its default unless the base names one);
  // a windows image leaves PATH to the OS (buildkit #5445), whose default PATH the container gets.
  const env = config.config.Env ?? [];
  if (!windows && !env.some((e) => e.split('=')[0] === 'PATH')) config.config.Env = [...env, LINUX_DEFAULT_PATH];
  if (windows) {
    // Optional: Microsoft's HostProcess base image declares none, as HostProcess containers run
    // on any Windows version; containerd matches os.version only when the image names one.
    const osVersion = options.osVersion ?? config['os.version'];
    if (osVersion !== undefined) config['os.version'] = osVersion;
    if (from === 'scratch') {
      warnings.push(
        `a windows image FROM scratch has no base layer: containerd on Windows imports an image's first layer as a base layer, which needs the registry hives Microsoft's base image carries (Files/Windows/System32/config). Build FROM ${HOSTPROCESS_BASE} to run it on Windows`,
      );
    }
  }
  const history = (createdBy: string, emptyLayer: boolean): void => {
    config.history.push({ created, created_by: createdBy, comment: 'hostpod image build', ...(emptyLayer ? { empty_layer: true } : {}) });
  };
  const newLayers: Descriptor[] = [...layers];
  for (const ins of instructions) {
    switch (ins.kind) {
      case 'env': {
        const env = config.config.Env ?? [];
        for (const [k, v] of ins.pairs) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        config.config.Env = env;
        history(`ENV ${ins.pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`, true);
        break;
      }
      case 'label':
        config.config.Labels = { ...(config.config.Labels ?? {}), ...Object.fromEntries(ins.pairs) };
        history(`LABEL ${ins.pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`, true);
        break;
      case 'workdir':
        config.config.WorkingDir = resolveDir(config.config.WorkingDir, ins.path, windows);
        history(`WORKDIR ${config.config.WorkingDir}`, true);
        break;
      case 'user':
        config.config.User = ins.user;
        history(`USER ${ins.user}`, true);
        break;
      case 'entrypoint':
        config.config.Entrypoint = ins.shell ? shellForm(ins.argv[0] as string, windows) : ins.argv;
        // As docker: a new ENTRYPOINT drops the CMD the base image had.
        delete config.config.Cmd;
        history(`ENTRYPOINT ${JSON.stringify(config.config.Entrypoint)}`, true);
        break;
      case 'cmd':
        config.config.Cmd = ins.shell ? shellForm(ins.argv[0] as string, windows) : ins.argv;
        history(`CMD ${JSON.stringify(config.config.Cmd)}`, true);
        break;
      case 'copy': {
        const contents = new LayerContents();
        const what = `${options.file}:${ins.line}: ${ins.add ? 'ADD' : 'COPY'}`;
        const dest = imagePath(config.config.WorkingDir, ins.dest, windows, what);
        const intoDir = ins.dest.endsWith('/') || ins.dest.endsWith('\\') || ins.sources.length > 1;
        for (const source of ins.sources) {
          const path = await contextPath(options.context, source, what);
          const kind = ins.add ? tarKind(path) : undefined;
          const isDir = statSync(path).isDirectory();
          if (kind !== undefined && !isDir) await addArchive(contents, path, kind, dest, ins.chown);
          else if (isDir) await addFromContext(contents, options.context, path, dest, ins.chown ?? { uid: 0, gid: 0 });
          else await addFromContext(contents, options.context, path, intoDir ? posix.join(dest, posix.basename(source.replace(/\\/g, '/'))) : dest, ins.chown ?? { uid: 0, gid: 0 });
        }
        if (intoDir || contents.size === 0) contents.add({ path: dest, type: 'directory', mode: 0o755, uid: 0, gid: 0 });
        const layer = await writeLayer(store.content, contents, { epoch: options.epoch ?? 0, windows }, (digest) => store.protect(lease, [digest]));
        newLayers.push({ mediaType: MediaType.ociLayerGzip, digest: layer.digest, size: layer.size });
        config.rootfs.diff_ids.push(layer.diffId);
        history(`${ins.add ? 'ADD' : 'COPY'} ${ins.sources.join(' ')} ${ins.dest}`, false);
        options.onStep?.(`${what} ${ins.sources.join(' ')} ${ins.dest}: layer ${layer.digest.slice(7, 19)} (${formatPlatform(platform)})`);
        break;
      }
    }
  }
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = sha256(configBytes);
  await store.protect(lease, [configDigest]);
  store.content.writeBuffer(configBytes);
  const manifest: Manifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: configDigest, size: configBytes.length }, layers: newLayers };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const digest = sha256(manifestBytes);
  await store.protect(lease, [digest]);
  store.content.writeBuffer(manifestBytes);
  const p: BuiltManifest['platform'] = { architecture: config.architecture, os: config.os, ...(config['os.version'] !== undefined ? { 'os.version': config['os.version'] } : {}), ...(config.variant ? { variant: config.variant } : {}) };
  return { platform: p, descriptor: { mediaType: MediaType.ociManifest, digest, size: manifestBytes.length }, manifest, config };
}

/** `C:\app`, `c:/app`, `/app` -> `app` (the path inside the layer's Files/ on Windows). */
function windowsRelative(path: string, what: string): string {
  const p = path.replace(/\\/g, '/');
  const drive = /^([A-Za-z]):(.*)$/.exec(p);
  if (drive && (drive[1] as string).toUpperCase() !== 'C') throw new HostpodError('ERR_HOSTPOD_BUILD', `${what}: ${path} is on drive ${drive[1] as string}:`, { hint: 'Windows images hold drive C: only' });
  return posix.normalize(`/${drive ? (drive[2] as string) : p}`);
}

function resolveDir(current: string | undefined, path: string, windows: boolean): string {
  if (windows) {
    const abs = /^[A-Za-z]:|^[\\/]/.test(path) ? path : `${current ?? 'C:\\'}\\${path}`;
    return `C:${windowsRelative(abs, 'WORKDIR').replace(/\//g, '\\')}`;
  }
  return posix.resolve(current ?? '/', path);
}

/** Where COPY's destination is, relative to the image root. */
function imagePath(workdir: string | undefined, dest: string, windows: boolean, what: string): string {
  if (windows) {
    const abs = /^[A-Za-z]:|^[\\/]/.test(dest) ? dest : `${workdir ?? 'C:\\'}\\${dest}`;
    return windowsRelative(abs, what).replace(/^\/+/, '');
  }
  return posix.resolve(workdir ?? '/', dest).replace(/^\/+/, '');
}

function shellForm(command: string, windows: boolean): string[] {
  return windows ? ['cmd', '/S', '/C', command] : ['/bin/sh', '-c', command];
}
