/**
 * Pushing an image (OCI distribution spec, "push"): for each manifest, its config and layers
 * first (a HEAD skips what the registry has; a cross-repository mount when the blob came from
 * another repository of the same registry; else an upload, whole or in chunks), then the
 * manifests by digest, then the index or manifest under the tag. Failures a retry may cure (5xx,
 * 429, dropped connections) are retried with backoff, each blob on its own.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { HostpodError } from '../../errors.js';
import { isIndexType, parseManifestOrIndex, type Descriptor } from './oci.js';
import { registryClientFor, type RegistryAccess, type RegistryClient } from './registry/client.js';
import { withRetries } from './registry/transport.js';
import { parseReference, type ImageReference } from './reference.js';
import type { ImageStore } from './store.js';

export interface PushProgress {
  blobStart?(blob: Descriptor): void;
  blobBytes?(blob: Descriptor, bytes: number): void;
  blobDone?(blob: Descriptor, state: 'pushed' | 'exists' | 'mounted'): void;
  retrying?(what: string, error: unknown, delayMs: number): void;
}

export interface PushOptions extends RegistryAccess {
  /** Upload blobs larger than this in chunks of this size (PATCH); whole when undefined. */
  chunkSize?: number;
  /** Repositories (of the destination registry) a blob is known to be in, for mounts. */
  sources?: ReadonlyMap<string, string>;
  progress?: PushProgress;
}

export interface PushResult {
  ref: ImageReference;
  digest: string;
  blobs: { digest: string; state: 'pushed' | 'exists' | 'mounted' }[];
}

/** Pushes the manifest or index `target` (its blobs all in `store`) as `reference`. */
export async function pushImage(store: ImageStore, target: Descriptor, reference: string, options: PushOptions = {}): Promise<PushResult> {
  const ref = parseReference(reference);
  const shown = ref.canonical;
  const progress = options.progress ?? {};
  const client = registryClientFor(ref.registry, options, (what, error, delay) => progress.retrying?.(what, error, delay));
  const blobs: PushResult['blobs'] = [];
  const done = new Set<string>();
  const pushManifest = async (descriptor: Descriptor, tag: string | undefined): Promise<void> => {
    if (!store.content.has(descriptor.digest)) {
      throw new HostpodError('ERR_HOSTPOD_PUSH', `${shown}: manifest ${descriptor.digest} is not in the store`, { hint: 'the image was pulled for one platform only; push the image you built (hostpod image build --push) or pull the other platforms' });
    }
    const bytes = store.content.read(descriptor.digest);
    const parsed = parseManifestOrIndex(bytes, descriptor.mediaType, `manifest ${descriptor.digest}`);
    if (parsed.kind === 'index') {
      for (const m of parsed.index.manifests) await pushManifest(m, undefined);
    } else {
      for (const blob of [parsed.manifest.config, ...parsed.manifest.layers]) {
        if (done.has(blob.digest)) continue;
        const state = await pushBlob(store, client, ref, blob, options, progress);
        done.add(blob.digest);
        blobs.push({ digest: blob.digest, state });
      }
    }
    const mediaType = parsed.kind === 'index' ? parsed.index.mediaType : parsed.manifest.mediaType;
    await withRetries(
      client.retryPolicy,
      async () => {
        const response = await client.pushRequest(ref.repository, 'PUT', `manifests/${tag ?? descriptor.digest}`, { 'content-type': mediaType, 'content-length': String(bytes.length) }, () => bytes, shown);
        if (response.statusCode !== 201 && response.statusCode !== 200) throw await client.pushFailure(response, shown, `manifests/${descriptor.digest}`);
        response.resume();
      },
      (error, delay) => progress.retrying?.(`manifest ${descriptor.digest}`, error, delay),
    );
  };
  const top = ref.digest !== undefined ? undefined : (ref.tag ?? 'latest');
  if (ref.digest !== undefined && ref.digest !== target.digest) {
    throw new HostpodError('ERR_HOSTPOD_PUSH', `cannot push to ${shown}: the image's digest is ${target.digest}`, { hint: 'push to a tag, or to the image\'s own digest' });
  }
  await pushManifest(target, top);
  return { ref, digest: target.digest, blobs };
}

async function pushBlob(store: ImageStore, client: RegistryClient, ref: ImageReference, blob: Descriptor, options: PushOptions, progress: PushProgress): Promise<'pushed' | 'exists' | 'mounted'> {
  const shown = ref.canonical;
  if (!store.content.has(blob.digest)) {
    throw new HostpodError('ERR_HOSTPOD_PUSH', `${shown}: blob ${blob.digest} is not in the store`, { hint: 'pull or build the image again, then push' });
  }
  return withRetries(
    client.retryPolicy,
    async () => {
      const head = await client.pushRequest(ref.repository, 'HEAD', `blobs/${blob.digest}`, {}, () => undefined, shown);
      head.resume();
      if (head.statusCode === 200) {
        progress.blobDone?.(blob, 'exists');
        return 'exists' as const;
      }
      const from = options.sources?.get(blob.digest);
      const query = from !== undefined && from !== ref.repository ? `?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(from)}` : '';
      const started = await client.pushRequest(ref.repository, 'POST', `blobs/uploads/${query}`, { 'content-length': '0' }, () => undefined, shown);
      if (started.statusCode === 201) {
        started.resume();
        progress.blobDone?.(blob, 'mounted');
        return 'mounted' as const;
      }
      if (started.statusCode !== 202) throw await client.pushFailure(started, shown, 'blobs/uploads/');
      started.resume();
      let location = uploadLocation(started, shown, client);
      progress.blobStart?.(blob);
      const chunk = options.chunkSize;
      if (chunk !== undefined && chunk > 0 && blob.size > chunk) {
        // Chunked: PATCH each range to the session, then PUT with the digest and no body.
        for (let start = 0; start < blob.size; start += chunk) {
          const end = Math.min(blob.size, start + chunk) - 1;
          const path = store.content.path(blob.digest);
          const patched = await client.pushRequest(ref.repository, 'PATCH', location, { 'content-type': 'application/octet-stream', 'content-range': `${start}-${end}`, 'content-length': String(end - start + 1) }, () => createReadStream(path, { start, end }), shown);
          if (patched.statusCode !== 202) throw await client.pushFailure(patched, shown, `blobs/${blob.digest}`);
          patched.resume();
          location = uploadLocation(patched, shown, client);
          progress.blobBytes?.(blob, end - start + 1);
        }
        await finish(client, ref, location, blob, undefined, shown);
      } else {
        const stream = (): Readable => {
          const counting = new Transform({
            transform(chunk: Buffer, _encoding, callback) {
              progress.blobBytes?.(blob, chunk.length);
              callback(null, chunk);
            },
          });
          const source = store.content.stream(blob.digest);
          source.on('error', (error) => counting.destroy(error));
          return source.pipe(counting);
        };
        await finish(client, ref, location, blob, stream, shown);
      }
      progress.blobDone?.(blob, 'pushed');
      return 'pushed' as const;
    },
    (error, delay) => progress.retrying?.(`blob ${blob.digest}`, error, delay),
  );
}

async function finish(client: RegistryClient, ref: ImageReference, location: string, blob: Descriptor, body: (() => Readable) | undefined, shown: string): Promise<void> {
  const url = new URL(location);
  url.searchParams.set('digest', blob.digest);
  const headers = { 'content-type': 'application/octet-stream', 'content-length': String(body ? blob.size : 0) };
  const response = await client.pushRequest(ref.repository, 'PUT', url.toString(), headers, () => (body ? body() : undefined), shown);
  if (response.statusCode !== 201) throw await client.pushFailure(response, shown, `blobs/${blob.digest}`);
  response.resume();
}

function uploadLocation(response: IncomingMessage, shown: string, client: RegistryClient): string {
  const registry = client.registry;
  const location = response.headers.location;
  if (typeof location !== 'string' || location === '') {
    throw new HostpodError('ERR_HOSTPOD_REGISTRY', `registry ${registry} started an upload for ${shown} without a Location`, { hint: 'the registry does not follow the OCI distribution spec' });
  }
  return new URL(location, client.baseUrl()).toString();
}

/** Whether `target` is an index (several platforms). */
export function isIndex(target: Descriptor): boolean {
  return isIndexType(target.mediaType);
}
